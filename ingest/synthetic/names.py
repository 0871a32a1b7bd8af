"""Word lists for names; fixed here so the same seed gives the same marketplace on every machine."""

from __future__ import annotations

PUBLISHER_NAMES = [
    "Acme", "Globex", "Initech", "Umbrella Labs", "Hooli", "Stark Tools", "Wayne Data", "Cyberdyne",
    "Soylent Systems", "Tyrell Works", "Aperture", "Massive Dynamic", "Vandelay", "Wonka Flow",
    "Oceanic", "Gringotts", "Monarch", "Nakatomi", "Pied Piper", "Dunder Automation", "Blue Sun",
    "Virtucon", "Prestige Worldwide", "Sirius Cybernetics", "Ollivander", "Zorg Industries",
    "Black Mesa", "Encom", "Gekko Partners", "Bluth Integrations", "Krusty Ops", "Spacely Sprockets",
    "Cogswell Cogs", "Duff Digital", "Ghostbusters IO", "Rekall", "Weyland", "InGen", "Omni Consumer",
    "Sterling Cooper", "Benthic", "Octan",
]  # fmt: skip

INTEGRATIONS = [
    "slack", "github", "gitlab", "jira", "salesforce", "hubspot", "zendesk", "s3", "gcs", "postgres",
    "mysql", "snowflake", "bigquery", "stripe", "shopify", "twilio", "sendgrid", "gmail", "teams",
    "notion", "airtable", "pagerduty", "datadog", "openai", "anthropic", "sheets", "dropbox", "okta",
    "workday", "netsuite",
]  # fmt: skip

ACTIONS = [
    "notify", "sync", "export", "import", "backup", "summarize", "triage", "enrich", "alert", "report",
    "archive", "classify",
]  # fmt: skip

# Category by action: what a catalogue browser would filter on.
ACTION_CATEGORY = {
    "notify": "notifications", "alert": "notifications", "sync": "data-sync", "export": "data-sync",
    "import": "data-sync", "backup": "storage", "archive": "storage", "summarize": "ai",
    "classify": "ai", "triage": "ai", "enrich": "data-quality", "report": "analytics",
}  # fmt: skip

TENANT_PREFIXES = [
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Adventure", "Litware", "Proseware", "Woodgrove",
    "Alpine", "Coho", "Lucerne", "Margie", "Trey", "Wingtip", "Fourth Coffee", "Humongous", "Blue Yonder",
    "Graphic", "Relecloud", "Southridge", "Lamna", "Bellows", "Datum", "Consolidated", "Wide World",
    "Tasmanian", "Nod", "Zava", "Kestrel", "Harbor", "Summit", "Redwood", "Cobalt", "Quartz", "Meridian",
    "Juniper", "Atlas", "Beacon", "Cedar", "Falcon",
]  # fmt: skip

TENANT_SUFFIXES = [
    "Logistics", "Health", "Bank", "Retail", "Energy", "Media", "Foods", "Travel", "Insurance",
    "Analytics", "Games", "Motors", "Pharma", "Telecom", "Robotics", "Studios", "Labs", "Capital",
    "Airlines", "Textiles", "Mining", "Shipping", "Farms", "Software", "Hotels",
]  # fmt: skip

COUNTRIES = ["US", "DE", "GB", "FR", "NL", "JP", "IN", "BR", "CA", "AU", "SE", "ES"]
COUNTRY_WEIGHTS = [0.34, 0.12, 0.1, 0.07, 0.05, 0.06, 0.07, 0.04, 0.05, 0.04, 0.03, 0.03]

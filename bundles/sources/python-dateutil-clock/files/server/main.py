"""A small stdio MCP server, written for the MCP Catalog's own test bundles.

It answers date and time questions with python-dateutil, which the bundle vendors in
server/lib/ the way the MCPB docs prescribe for Python bundles. It speaks MCP's JSON-RPC over
stdio directly (initialize, tools/list, tools/call), so it needs nothing but the standard
library and the vendored packages.
"""

import json
import sys
from datetime import datetime, timezone

from dateutil import parser, tz
from dateutil.relativedelta import relativedelta

PROTOCOL_VERSION = "2025-06-18"

TOOLS = [
    {
        "name": "convert_time",
        "description": "Convert a date and time from one IANA time zone to another.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "time": {"type": "string", "description": "Date and time, e.g. 2026-03-01 14:30."},
                "from_zone": {"type": "string", "description": "IANA zone of the input, e.g. Europe/Paris."},
                "to_zone": {"type": "string", "description": "IANA zone to convert to."},
            },
            "required": ["time", "from_zone", "to_zone"],
        },
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "time_until",
        "description": "Say how long remains until a date, in years, months, days and hours.",
        "inputSchema": {
            "type": "object",
            "properties": {"date": {"type": "string", "description": "The target date and time, ISO 8601."}},
            "required": ["date"],
        },
        "annotations": {"readOnlyHint": True},
    },
]


def zone(name):
    found = tz.gettz(name)
    if found is None:
        raise ValueError(f"unknown time zone: {name}")
    return found


def convert_time(args):
    moment = parser.parse(args["time"]).replace(tzinfo=zone(args["from_zone"]))
    return moment.astimezone(zone(args["to_zone"])).isoformat()


def time_until(args):
    target = parser.isoparse(args["date"])
    if target.tzinfo is None:
        target = target.replace(tzinfo=timezone.utc)
    delta = relativedelta(target, datetime.now(timezone.utc))
    return f"{delta.years} years, {delta.months} months, {delta.days} days, {delta.hours} hours"


HANDLERS = {"convert_time": convert_time, "time_until": time_until}


def handle(message):
    method = message.get("method")
    if method == "initialize":
        return {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "dateutil-clock", "version": "1.0.0"},
        }
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        params = message.get("params", {})
        handler = HANDLERS.get(params.get("name"))
        if handler is None:
            raise KeyError(f"unknown tool: {params.get('name')}")
        try:
            text, is_error = handler(params.get("arguments", {})), False
        except (ValueError, KeyError, OverflowError) as error:
            text, is_error = str(error), True
        return {"content": [{"type": "text", "text": text}], "isError": is_error}
    if method == "ping":
        return {}
    raise NotImplementedError(method)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if "id" not in message:
            continue  # a notification
        try:
            response = {"jsonrpc": "2.0", "id": message["id"], "result": handle(message)}
        except NotImplementedError as error:
            response = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": f"method not found: {error}"}}
        except KeyError as error:
            response = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32602, "message": str(error)}}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

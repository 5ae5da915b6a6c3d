"""Reads a Torznab answer the way Sonarr's and Radarr's parsers do (TorznabRssParser,
TorznabCapabilitiesProvider): an XML parser, namespaced torznab:attr, enclosure attributes.
Prints JSON on stdout: {"kind": "caps"|"feed"|"error", ...}."""
import json
import sys
import xml.etree.ElementTree as ET

NS = {"torznab": "http://torznab.com/schemas/2015/feed", "newznab": "http://www.newznab.com/DTD/2010/feeds/attributes/"}

root = ET.fromstring(sys.stdin.buffer.read())
if root.tag == "error":
    print(json.dumps({"kind": "error", "code": int(root.get("code")), "description": root.get("description")}))
elif root.tag == "caps":
    searching = {child.tag: {"available": child.get("available"), "params": child.get("supportedParams")} for child in root.find("searching")}
    categories = {}
    for category in root.find("categories").findall("category"):
        categories[category.get("id")] = [category.get("name")] + [sub.get("id") for sub in category.findall("subcat")]
    limits = root.find("limits")
    print(json.dumps({"kind": "caps", "searching": searching, "categories": categories,
                      "limits": {"max": int(limits.get("max")), "default": int(limits.get("default"))}}))
else:
    channel = root.find("channel")
    response = channel.find("newznab:response", NS)
    items = []
    for item in channel.findall("item"):
        enclosure = item.find("enclosure")
        attrs = {attr.get("name"): attr.get("value") for attr in item.findall("torznab:attr", NS)}
        items.append({
            "title": item.findtext("title"),
            "guid": item.findtext("guid"),
            "link": item.findtext("link"),
            "pubDate": item.findtext("pubDate"),
            "size": int(item.findtext("size")),
            "enclosure": {"url": enclosure.get("url"), "type": enclosure.get("type"), "length": int(enclosure.get("length"))},
            "attrs": attrs,
        })
    print(json.dumps({"kind": "feed", "offset": int(response.get("offset")), "total": int(response.get("total")), "items": items}))

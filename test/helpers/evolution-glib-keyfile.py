#!/usr/bin/python3
"""GLib's own GKeyFile, as ground truth for src/clients/evolution/key-file.ts. Reads JSON from stdin:
{"parse": [text, ...], "escape": [string, ...]} and prints, for each text, either {"error": message}
or {"groups": [[name, [[key, raw, string or null], ...]], ...]} (get_value and get_string; null
where get_string fails), and for each string what g_key_file_set_string writes."""
import json
import sys

import gi

gi.require_version('GLib', '2.0')
from gi.repository import GLib  # noqa: E402

FLAGS = GLib.KeyFileFlags.KEEP_COMMENTS | GLib.KeyFileFlags.KEEP_TRANSLATIONS


def parse(text):
    key_file = GLib.KeyFile()
    data = text.encode('utf-8')
    try:
        key_file.load_from_data(text, len(data), FLAGS)
    except GLib.Error as error:
        return {'error': error.message}
    groups = []
    for group in key_file.get_groups()[0]:
        entries = []
        # A key given twice is listed twice; its value is the last one either way.
        for key in dict.fromkeys(key_file.get_keys(group)[0]):
            try:
                string = key_file.get_string(group, key)
            except GLib.Error:
                string = None
            entries.append([key, key_file.get_value(group, key), string])
        groups.append([group, entries])
    return {'groups': groups}


def escape(value):
    key_file = GLib.KeyFile()
    key_file.set_string('G', 'K', value)
    return key_file.get_value('G', 'K')


request = json.load(sys.stdin)
print(json.dumps({'parse': [parse(text) for text in request['parse']], 'escape': [escape(value) for value in request['escape']]}))

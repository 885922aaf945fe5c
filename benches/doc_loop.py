#!/usr/bin/env python3
"""What a user would write from GREEN-API's documentation example: a
sequential `requests` loop over the manifest, one POST per row, no retry.
With a RATE argument it sleeps 1/RATE seconds after each request, the usual
hand-made pacing. The row's action picks the method; GREEN_API_PLATFORM=max
uses MAX's `/v3` paths and `chatId`.

    doc_loop.py MANIFEST.csv [RATE]     (GREEN_API_URL, _ID_INSTANCE, _TOKEN_INSTANCE)
"""
import csv
import os
import sys
import time

import requests

METHOD = {"remove": "removeGroupParticipant", "add": "addGroupParticipant",
          "promote": "setGroupAdmin", "demote": "removeAdmin"}


def main():
    is_max = os.environ.get("GREEN_API_PLATFORM") == "max"
    base = "{}{}/waInstance{}/{{}}/{}".format(
        os.environ["GREEN_API_URL"],
        "/v3" if is_max else "",
        os.environ["GREEN_API_ID_INSTANCE"],
        os.environ["GREEN_API_TOKEN_INSTANCE"],
    )
    pause = 1.0 / float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    headers = {"Content-Type": "application/json"}
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            url = base.format(METHOD.get(row.get("action", "remove"), "removeGroupParticipant"))
            payload = {"chatId" if is_max else "groupId": row["chat_id"],
                       "participantChatId": row["participant_id"]}
            response = requests.request("POST", url, json=payload, headers=headers, timeout=30)
            if response.status_code != 200:
                print(row["participant_id"], response.status_code, file=sys.stderr)
            if pause:
                time.sleep(pause)


if __name__ == "__main__":
    main()

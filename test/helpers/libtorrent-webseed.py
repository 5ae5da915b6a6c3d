# A real BitTorrent v2 client for test/server/torrent/torrent-libtorrent.test.ts:
# libtorrent-rasterbar 2.x (Debian python3-libtorrent) loads a .torrent made by
# the peer and downloads it from its web seed (a share link) into a directory,
# checking every piece against the torrent's piece layers, with no peer code.
# Prints one JSON object. Usage: /usr/bin/python3 libtorrent-webseed.py <torrent> <dir> <timeout s>
import json
import sys
import time

import libtorrent as lt


def main():
    torrent, save, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    info = lt.torrent_info(torrent)
    out = {
        "version": lt.__version__,
        "name": info.name(),
        "v2": info.info_hashes().has_v2(),
        "v1": info.info_hashes().has_v1(),
        "pieces": info.num_pieces(),
        "pieceLength": info.piece_length(),
        "size": info.total_size(),
        "webSeeds": [w["url"] for w in info.web_seeds()],
        "infoHashV1": str(info.info_hashes().v1) if info.info_hashes().has_v1() else None,
        "infoHashV2": str(info.info_hashes().v2) if info.info_hashes().has_v2() else None,
        "files": [info.files().file_path(i) for i in range(info.files().num_files()) if not (info.files().file_flags(i) & lt.file_storage.flag_pad_file)],
        "hashFailures": 0,
        "errors": [],
    }
    session = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    })
    handle = session.add_torrent({"ti": info, "save_path": save})
    deadline = time.time() + timeout
    while time.time() < deadline:
        for alert in session.pop_alerts():
            if isinstance(alert, lt.hash_failed_alert):
                out["hashFailures"] += 1
            elif alert.category() & lt.alert.category_t.error_notification:
                out["errors"].append(alert.message())
        status = handle.status()
        if status.is_seeding:
            break
        time.sleep(0.1)
    status = handle.status()
    out["seeding"] = bool(status.is_seeding)
    out["progress"] = status.progress
    out["downloaded"] = status.total_wanted_done
    print(json.dumps(out))


main()

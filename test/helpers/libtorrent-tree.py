# Independent BEP 52 reference for test/common/pieces-libtorrent.test.ts:
# libtorrent-rasterbar 2.x (Debian python3-libtorrent) makes a v2-only torrent
# of every file in a directory at each piece length given, and prints, per
# piece length, each file's "pieces root" (info / file tree) and its entry in
# "piece layers" (absent for a file of at most one piece), all as hex JSON.
# Usage: /usr/bin/python3 libtorrent-tree.py <dir> <piece length>...
import json
import os
import sys

import libtorrent as lt


def walk(tree, prefix=""):
    for name, node in tree.items():
        key = name.decode()
        if b"" in node:
            yield prefix + key, node[b""]
        else:
            yield from walk(node, prefix + key + "/")


def main():
    directory = sys.argv[1]
    out = {"version": lt.__version__, "pieceLengths": {}}
    for piece_length in map(int, sys.argv[2:]):
        fs = lt.file_storage()
        lt.add_files(fs, directory)
        torrent = lt.create_torrent(fs, piece_length, flags=lt.create_torrent.v2_only)
        lt.set_piece_hashes(torrent, os.path.dirname(os.path.abspath(directory)))
        generated = torrent.generate()
        info = generated[b"info"]
        assert info[b"piece length"] == piece_length, "libtorrent changed the piece length"
        layers = generated.get(b"piece layers", {})
        files = {}
        # The file tree of a directory's torrent holds paths relative to it (the name is info/name).
        for name, leaf in walk(info[b"file tree"]):
            root = leaf.get(b"pieces root", b"")
            files[name] = {
                "length": leaf[b"length"],
                "root": root.hex(),
                "layer": layers.get(root, b"").hex(),
            }
        out["pieceLengths"][str(piece_length)] = files
    print(json.dumps(out))


main()

"""PeerService from Python over gRPC (docs/clients.md), run by test/clients/python-grpc.test.ts.

Usage: python_client.py STUBS_DIR TARGET KEY ITEM_ID
Prints one JSON object with what each call returned.
"""

import hashlib
import json
import sys
import time

stubs, target, key, item_id = sys.argv[1:5]
sys.path.insert(0, stubs)

import grpc  # noqa: E402
from peer.v1 import peer_pb2, peer_pb2_grpc  # noqa: E402

channel = grpc.insecure_channel(target)
peer = peer_pb2_grpc.PeerServiceStub(channel)
auth = [("authorization", f"Bearer {key}")]
out = {}

hello = peer.Handshake(peer_pb2.HandshakeRequest(client_name="python", client_version="1.0.0"), metadata=auth, timeout=30)
out["protocol_version"] = hello.protocol_version
out["capabilities"] = sorted(hello.capabilities)

listed = peer.ListItems(peer_pb2.ListItemsRequest(page_size=100), metadata=auth, timeout=30)
out["items"] = sorted(item.id for item in listed.items)

item = peer.StatItem(peer_pb2.StatItemRequest(item_id=item_id), metadata=auth, timeout=30).item
out["size"] = item.size

data = b"".join(
    chunk.data
    for chunk in peer.ReadFile(
        peer_pb2.ReadFileRequest(item_id=item_id, offset=100, length=70000, if_match=item.etag),
        metadata=auth,
        timeout=30,
    )
)
out["range_sha256"] = hashlib.sha256(data).hexdigest()

# The root is computed in the background: UNAVAILABLE with a retry-after-ms hint until then.
for attempt in range(120):
    try:
        hashes = peer.GetPieceHashes(peer_pb2.GetPieceHashesRequest(item_id=item_id), metadata=auth, timeout=30)
        break
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == 119:
            raise
        hint = dict(error.trailing_metadata() or ()).get("retry-after-ms", "250")
        time.sleep(min(int(hint), 2000) / 1000)
out["pieces_root"] = hashes.pieces_root
out["piece_count"] = hashes.piece_count
out["piece_length"] = hashes.piece_length
out["hashes_bytes"] = len(hashes.hashes)

errors = {}
try:
    peer.StatItem(peer_pb2.StatItemRequest(item_id="share/missing.bin"), metadata=auth, timeout=30)
except grpc.RpcError as error:
    errors["missing"] = [error.code().name, error.details()]
try:
    peer.ListItems(peer_pb2.ListItemsRequest(), metadata=[("authorization", "Bearer wrong")], timeout=30)
except grpc.RpcError as error:
    errors["bad_key"] = [error.code().name, error.details()]
out["errors"] = errors
channel.close()
print(json.dumps(out))

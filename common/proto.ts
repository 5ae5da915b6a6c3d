/**
 * The generated protocol (`peer-share/proto`): PeerService's descriptor and every message schema and type of
 * `proto/peer/v1/peer.proto`, for calls with `@connectrpc/connect` and `@bufbuild/protobuf` directly.
 */
export * from "../gen/peer/v1/peer_pb.js";

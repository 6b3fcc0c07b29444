#!/usr/bin/env python3
# What a hostile host could do with a forwarded agent (keeper-agent tests):
# on one connection to $SSH_AUTH_SOCK, send session-bind@openssh.com naming
# the host key in PUBFILE with a random session id and a signature of the
# right shape made of random bytes (the host's private key is not known
# here), then list the identities on that same connection.
#
#   agent-forge.py PUBFILE [FORWARDING]   FORWARDING: 0 (default) or 1
#
# Prints "bind N" (the reply type: 6 success, 5 failure) and one
# "key COMMENT" line per identity listed afterwards.
import base64
import os
import socket
import struct
import sys


def string(b):
    return struct.pack(">I", len(b)) + b


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise SystemExit("agent closed the connection")
        buf += chunk
    return buf


def request(sock, body):
    sock.sendall(struct.pack(">I", len(body)) + body)
    n = struct.unpack(">I", recv_exact(sock, 4))[0]
    return recv_exact(sock, n)


def fake_signature(keytype):
    if keytype == "ssh-rsa":
        return string(b"rsa-sha2-512") + string(os.urandom(256))
    if keytype.startswith("ecdsa-sha2-"):
        inner = string(b"\x00" + os.urandom(32)) * 2
        return string(keytype.encode()) + string(inner)
    return string(keytype.encode()) + string(os.urandom(64))


def main():
    keytype, b64 = open(sys.argv[1]).read().split()[:2]
    fwd = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(os.environ["SSH_AUTH_SOCK"])
    body = (bytes([27]) + string(b"session-bind@openssh.com") +
            string(base64.b64decode(b64)) + string(os.urandom(32)) +
            string(fake_signature(keytype)) + bytes([fwd]))
    print("bind", request(sock, body)[0])
    reply = request(sock, bytes([11]))
    count = struct.unpack(">I", reply[1:5])[0]
    off = 5
    for _ in range(count):
        for field in range(2):
            n = struct.unpack(">I", reply[off:off + 4])[0]
            value = reply[off + 4:off + 4 + n]
            off += 4 + n
        print("key", value.decode(errors="replace"))


main()

#!/usr/bin/python3
"""Drives rdo-hostile-peer from a capture (tests/tools/hostile-peer.sh).

usage: hostile-peer-drive.py PCAP SOCKET_A SOCKET_B OUT

Connects to both of the relay's sockets as the two QEMUs would, and sends
the capture's frames one at a time from the side whose MAC sent them (the
first frame's source is A), each only after the previous one came out at
the other side, so the relay sees the same order every run. Then it
closes both and writes OUT: per side, every frame it received, as hex,
one a line behind "A " or "B ", "A+ " or "B+ " for one that is not the
capture's (injected). Exits 1 if a frame was not forwarded intact and in
order.
"""
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(100):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.05)
    sys.exit("cannot connect to " + path)


class Side:
    def __init__(self, path):
        self.sock = connect(path)
        self.buf = b""
        self.got = []           # (frame, injected)

    def send(self, frame):
        self.sock.sendall(struct.pack(">I", len(frame)) + frame)

    def read_until(self, frame):
        """Receive until `frame` arrives; False at EOF."""
        while True:
            while len(self.buf) >= 4:
                n = struct.unpack_from(">I", self.buf)[0]
                if len(self.buf) < 4 + n:
                    break
                f, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                self.got.append((f, f != frame))
                if f == frame:
                    return True
            data = self.sock.recv(65536)
            if not data:
                return False
            self.buf += data


def main():
    pcap, path_a, path_b, out = sys.argv[1:5]
    sides = [Side(path_a), Side(path_b)]
    all_frames = list(frames(pcap))
    mac_a = all_frames[0][6:12]
    for i, f in enumerate(all_frames):
        frm = 0 if f[6:12] == mac_a else 1
        sides[frm].send(f)
        if not sides[1 - frm].read_until(f):
            sys.exit("frame %d was not forwarded" % i)
    for s in sides:
        s.sock.shutdown(socket.SHUT_WR)
    for s in sides:
        s.read_until(None)      # the rest: what was injected after the last
    with open(out, "w") as f:
        for name, s in zip("AB", sides):
            for fr, extra in s.got:
                f.write("%s%s %s\n" % (name, "+" if extra else "", fr.hex()))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Tools test: scripts/peer-relay, the guests' rendezvous (run-guest --peer).
# Two clients stand in for the guests' serial ports. Checked: get waits for
# the key and answers once it is put; try answers at once, "none" before
# the put and the value after it; once a guest has gone, a get or try of a
# key nobody put answers "gone" (the other guest's `peer` fails, and
# verbs-pair.sh's pair_watch stops its tool). Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

dir=$(mktemp -d)
relay_pid=
trap '[ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null; rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

python3 "$TOP/scripts/peer-relay" "$dir/relay.sock" 2 "$dir/relay.log" &
relay_pid=$!

# The two guests: each sends its requests in order and prints every answer
# line; A's script goes on once B has stored "step" (B's "get" of it is
# answered first), B ends (its port closes) after its last request.
timeout 30 python3 - "$dir/relay.sock" > "$dir/answers" 2>&1 <<'EOF'
import socket, sys, time
path = sys.argv[1]
def connect():
    for _ in range(100):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s, s.makefile("r")
        except OSError:
            time.sleep(0.1)
    sys.exit("no relay")
a, a_in = connect()
b, b_in = connect()
def ask(who, sock, src, line):
    sock.sendall((line + "\n").encode())
    print(who, line, "->", src.readline().strip())
ask("A", a, a_in, "try step")
a.sendall(b"get step\n")           # answered once B puts it
ask("B", b, b_in, "put step 1 2")
print("A get step ->", a_in.readline().strip())
ask("A", a, a_in, "try step")
ask("A", a, a_in, "try never")
b_in.close()
b.close()
time.sleep(0.5)
ask("A", a, a_in, "try never")
ask("A", a, a_in, "get never")
ask("A", a, a_in, "try step")
EOF
echo "python status $?" >> "$dir/answers"

expect() { grep -qxF "$1" "$dir/answers"; }
expect "A try step -> none"
ok $? "try before the put: none, at once" || show "$dir/answers"
expect "A get step -> val 1 2"
ok $? "a waiting get is answered when the other guest puts the key" || show "$dir/answers"
expect "A try step -> val 1 2"
ok $? "try after the put: the value" || show "$dir/answers"
[ "$(grep -c '^A try never -> ' "$dir/answers")" = 2 ] && expect "A try never -> none" &&
    [ "$(grep '^A try never -> ' "$dir/answers" | tail -n1)" = "A try never -> gone" ]
ok $? "try of a key nobody put: none while both guests are there, gone after one ended" ||
    show "$dir/answers"
expect "A get never -> gone"
ok $? "get of such a key after a guest ended: gone, not a wait" || show "$dir/answers"
expect "python status 0"
ok $? "every request was answered" || show "$dir/answers"
grep -qx 'step=1 2' "$dir/relay.log"
ok $? "the put is in the relay's log" || show "$dir/relay.log"

echo "1..$n"
exit $failed

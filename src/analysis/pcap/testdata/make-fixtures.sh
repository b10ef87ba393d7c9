#!/bin/sh
# Regenerates the capture fixtures (root): five flow packets over the loopback of a fresh netns,
# captured by tcpdump three ways, converted by editcap to pcapng, and tshark's reading of each
# recorded in expected.json. Usage: make-fixtures.sh DIST_TRAFFIC_MAIN_JS
set -eu
MAIN=${1:?path to dist/traffic/main.js}
cd "$(dirname "$0")"
NS=fx$$
ip netns add "$NS"
trap 'ip netns pids "$NS" | xargs -r kill -TERM; ip netns del "$NS"' EXIT
ip -n "$NS" link set lo up
ip netns exec "$NS" tcpdump -i lo -U -w lo-eth.pcap udp port 9000 2>/dev/null &
ip netns exec "$NS" tcpdump -i any -y LINUX_SLL -U -w any-sll.pcap udp port 9000 2>/dev/null &
ip netns exec "$NS" tcpdump -i any -y LINUX_SLL2 --time-stamp-precision=nano -U -w any-sll2-ns.pcap udp port 9000 2>/dev/null &
sleep 1
ip netns exec "$NS" node "$MAIN" send --flow 3 --to ::1 --port 9000 --rate 50 --size 64 --duration 100 >/dev/null
sleep 1
ip netns pids "$NS" | xargs -r kill -TERM
sleep 0.5
editcap -F pcapng lo-eth.pcap lo-eth.pcapng
editcap -F pcapng any-sll2-ns.pcap any-sll2-ns.pcapng
{
  echo '{'
  first=1
  for f in lo-eth.pcap any-sll.pcap any-sll2-ns.pcap lo-eth.pcapng any-sll2-ns.pcapng; do
    [ $first = 1 ] || echo ','
    first=0
    printf '"%s": [' "$f"
    tshark -r "$f" -T fields -e frame.time_epoch -e frame.cap_len -e frame.len -e udp.payload 2>/dev/null |
      awk 'BEGIN{s=""} {printf "%s[\"%s\",%s,%s,\"%s\"]", s, $1, $2, $3, $4; s=","}'
    printf ']'
  done
  echo '}'
} > expected.json

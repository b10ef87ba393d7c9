-- Wireshark/tshark: read MIH (IEEE 802.21 over IP, RFC 5677) inside TLS on TCP port 4551, as the
-- lab sends it (docs/mih.md, "Security"). tshark 4.0 registers MIH on tcp.port 4551 only, not under
-- tls.port, so this hands TLS's decrypted application data on port 4551 to the MIH dissector. Use:
--   tshark -X lua_script:scripts/wireshark/mih-over-tls.lua -d tcp.port==4551,tls \
--          -o tls.keylog_file:OUT/tls/keylog.txt -r OUT/pcap/mos-eth1.pcap -Y mih
DissectorTable.get("tls.port"):add(4551, DissectorTable.get("tcp.port"):get_dissector(4551))

// libpcap from Debian's libpcap-dev, for reading capture files (pcap and pcapng) offline.
// No file-scope statics here (they fail to link from Swift); add `static inline` functions
// if a shim is needed.
#ifndef VERACK_CPCAP_SHIM_H
#define VERACK_CPCAP_SHIM_H

#include <pcap/pcap.h>
#include <stdio.h>

#endif

#ifndef TESSERA_CMAXMINDDB_SHIM_H
#define TESSERA_CMAXMINDDB_SHIM_H

// The only place libmaxminddb is imported. Swift cannot call C variadic functions (MMDB_get_value) nor build a
// sockaddr without the platform's C headers, so the few calls SessionGeo makes are wrapped here.
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

// Looks up an IPv4 address (host byte order) as IPv4: in an IPv6 tree libmaxminddb starts from the node that
// holds ::a.b.c.d, where MaxMind-format writers keep the IPv4 networks, whatever the ::ffff:0:0/96 branch holds.
static inline MMDB_lookup_result_s tessera_mmdb_lookup_ipv4(const MMDB_s *mmdb, uint32_t address, int *mmdb_error) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(address);
    return MMDB_lookup_sockaddr(mmdb, (const struct sockaddr *)&sin, mmdb_error);
}

// Looks up an IPv6 address given as its two 64-bit halves, most significant first.
static inline MMDB_lookup_result_s tessera_mmdb_lookup_ipv6(const MMDB_s *mmdb, uint64_t high, uint64_t low,
                                                            int *mmdb_error) {
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    for (int i = 0; i < 8; i++) {
        sin6.sin6_addr.s6_addr[i] = (uint8_t)(high >> (56 - 8 * i));
        sin6.sin6_addr.s6_addr[8 + i] = (uint8_t)(low >> (56 - 8 * i));
    }
    return MMDB_lookup_sockaddr(mmdb, (const struct sockaddr *)&sin6, mmdb_error);
}

// country.iso_code of a GeoIP2/GeoLite2 City or Country record.
static inline int tessera_mmdb_country_iso_code(MMDB_entry_s *entry, MMDB_entry_data_s *data) {
    return MMDB_get_value(entry, data, "country", "iso_code", NULL);
}

// city.names.en of a GeoIP2/GeoLite2 City record.
static inline int tessera_mmdb_city_name_en(MMDB_entry_s *entry, MMDB_entry_data_s *data) {
    return MMDB_get_value(entry, data, "city", "names", "en", NULL);
}

// Checks every record of the search tree once: each must point to a node, be empty, or point into the data
// section. MMDB_open checks the metadata and the file's size; this finds a damaged tree at start-up instead of
// one lookup at a time. Returns MMDB_SUCCESS or MMDB_CORRUPT_SEARCH_TREE_ERROR (or MMDB_read_node's error).
static inline int tessera_mmdb_verify_search_tree(const MMDB_s *mmdb) {
    uint64_t nodes = mmdb->metadata.node_count;
    // A data record is node_count + 16 + its offset in the data section (the 16 bytes are the separator).
    uint64_t first_data = nodes + 16, end_data = nodes + 16 + (uint64_t)mmdb->data_section_size;
    MMDB_search_node_s node;
    for (uint64_t n = 0; n < nodes; n++) {
        int status = MMDB_read_node(mmdb, (uint32_t)n, &node);
        if (status != MMDB_SUCCESS) return status;
        uint64_t records[2] = {node.left_record, node.right_record};
        for (int i = 0; i < 2; i++) {
            uint64_t record = records[i];
            if (record <= nodes) continue;
            if (record < first_data || record >= end_data) return MMDB_CORRUPT_SEARCH_TREE_ERROR;
        }
    }
    return MMDB_SUCCESS;
}

#endif

import CMaxMindDB
public import SessionNetwork

extension GeoIPDatabase {
    /// The longest string read out of a record; real city names are far shorter, and `Location` keeps 128 bytes.
    static let maximumStringBytes: UInt32 = 1024

    /// Where `address` is according to the database: `country.iso_code` and the English `city.names.en`, each
    /// checked as `Location(checkingCity:country:)` checks any source. `nil` when the address is not in the
    /// database, its record holds neither, or the record cannot be read.
    ///
    /// An IPv4 address (IPv4-mapped ones included, which is how `IPAddress` keeps IPv4) is looked up as IPv4: in
    /// an IPv6 database libmaxminddb starts from the `::a.b.c.d` subtree, where MaxMind-format writers put IPv4
    /// networks, rather than trusting the database to alias `::ffff:0:0/96` to it.
    public func location(of address: IPAddress) -> Location? {
        var status: Int32 = 0
        var result =
            address.isIPv4
            ? tessera_mmdb_lookup_ipv4(handle, UInt32(truncatingIfNeeded: address.value), &status)
            : tessera_mmdb_lookup_ipv6(
                handle, UInt64(truncatingIfNeeded: address.value >> 64), UInt64(truncatingIfNeeded: address.value), &status)
        guard status == MMDB_SUCCESS, result.found_entry else { return nil }
        let country = Self.string(at: tessera_mmdb_country_iso_code, in: &result.entry)
        let city = Self.string(at: tessera_mmdb_city_name_en, in: &result.entry)
        return Location(checkingCity: city, country: country)
    }

    /// The UTF-8 string a shim getter finds in `entry`; `nil` when absent, of another type, over
    /// `maximumStringBytes` or not valid UTF-8.
    static func string(
        at getter: (UnsafeMutablePointer<MMDB_entry_s>?, UnsafeMutablePointer<MMDB_entry_data_s>?) -> Int32,
        in entry: inout MMDB_entry_s
    ) -> String? {
        var data = MMDB_entry_data_s()
        guard getter(&entry, &data) == MMDB_SUCCESS, data.has_data, data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING),
            data.data_size <= maximumStringBytes, let start = data.utf8_string
        else { return nil }
        return String(validating: UnsafeRawBufferPointer(start: start, count: Int(data.data_size)), as: UTF8.self)
    }
}

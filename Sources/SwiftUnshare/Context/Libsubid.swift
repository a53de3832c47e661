// SPDX-License-Identifier: Apache-2.0
import Glibc

/// shadow's libsubid, loaded with dlopen only when nsswitch.conf names a
/// `subid:` module and a range is needed: no build dependency, no cost otherwise.
/// ABI 4 (libsubid.so.4, shadow 4.11 and later):
///   int subid_get_uid_ranges(const char *owner, struct subid_range **ranges);
///   struct subid_range { unsigned long start; unsigned long count; };
/// The array is the caller's: released with subid_free() where the library has
/// it (shadow 4.14 and later), else with free(), as the 4.13 header says.
enum Libsubid {
    private typealias GetRanges =
        @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    private typealias Release = @convention(c) (UnsafeMutableRawPointer?) -> Void

    static func ranges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        // Never closed: libsubid registers an exit handler of its own.
        guard let handle = dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL) else {
            return .unavailable(ByteString(cString: dlerror()))
        }
        let name = users ? "subid_get_uid_ranges" : "subid_get_gid_ranges"
        guard let symbol = dlsym(handle, name) else { return .unavailable("no \(name)") }
        let get = unsafeBitCast(symbol, to: GetRanges.self)
        var array: UnsafeMutableRawPointer?
        let count = owner.withCString { get($0, &array) }
        if count < 0 { return .failed }
        defer {
            if let array {
                if let release = dlsym(handle, "subid_free") {
                    unsafeBitCast(release, to: Release.self)(array)
                } else {
                    free(array)
                }
            }
        }
        guard let array else { return .ranges([]) }
        let word = MemoryLayout<UInt>.stride  // unsigned long
        var entries: [SubordinateIDs.Entry] = []
        for i in 0..<Int(count) {
            let start = array.load(fromByteOffset: 2 * i * word, as: UInt.self)
            let length = array.load(fromByteOffset: (2 * i + 1) * word, as: UInt.self)
            if let entry = SubordinateIDs.Entry(clipping: start, length) { entries.append(entry) }
        }
        return .ranges(entries)
    }
}

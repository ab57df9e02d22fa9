// See floor-lookup.h, which this imports (swiftc -import-objc-header).
import Glibc

let arguments = CommandLine.arguments
guard arguments.count == 3 else { exit(64) }
guard let secret = floor_lookup(arguments[1], arguments[2]) else { exit(1) }
puts(secret)
exit(0)

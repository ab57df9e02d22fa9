// See floor-client.h, which this imports (swiftc -import-objc-header).
import Glibc

let arguments = CommandLine.arguments
guard arguments.count == 4 else { exit(64) }
exit(floor_main(arguments[1], arguments[2], arguments[3]))

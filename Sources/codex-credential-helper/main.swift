import HelperCommands

#if canImport(Glibc)
import Glibc
#endif

HelperProcess.harden()
// get, store and erase in their plain forms skip the argument parser (its start-up cost is most of a file get's).
if let status = HelperMain.runFastPath(Array(CommandLine.arguments.dropFirst())) { exit(status) }
if let status = HelperMain.refuseUnknownHelpTopic(Array(CommandLine.arguments.dropFirst())) { exit(status) }
exit(HelperMain.runArgumentParser())

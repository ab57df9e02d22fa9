import HelperCommands

HelperProcess.harden()
CodexCredentialHelper.main()

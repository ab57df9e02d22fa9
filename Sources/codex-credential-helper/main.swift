import HelperCommands

CodexCredentialHelper.main()

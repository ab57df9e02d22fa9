function __codex-credential-helper_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __codex-credential-helper_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __codex-credential-helper_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __codex-credential-helper_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __codex-credential-helper_parse_tokens -S
    set -l unparsed_tokens (__codex-credential-helper_tokens -pc)
    switch $unparsed_tokens[1]
    case 'codex-credential-helper'
        __codex-credential-helper_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'login'
            __codex-credential-helper_parse_subcommand 0 'with-access-token' 'with-api-key' 'configure-codex' 'expires-in=' 'expires-at=' 'name=' 'warn-within=' 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'logout'
            __codex-credential-helper_parse_subcommand 0 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'get'
            __codex-credential-helper_parse_subcommand 0 'format=' 'no-env' 'allow-expired' 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'store'
            __codex-credential-helper_parse_subcommand 0 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'erase'
            __codex-credential-helper_parse_subcommand 0 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'exec'
            __codex-credential-helper_parse_subcommand -r 1 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'rotate'
            __codex-credential-helper_parse_subcommand 0 'with-access-token' 'with-api-key' 'smoke-test=' 'expires-in=' 'expires-at=' 'name=' 'warn-within=' 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'list'
            __codex-credential-helper_parse_subcommand 0 'json' 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'status'
            __codex-credential-helper_parse_subcommand 0 'check' 'json' 'warn-within=' 'codex-home=' 'timeout=' 'backend=' 'file=' 'key-mode=' 'passphrase-file=' 'passphrase-fd=' 'verbose' 'version' 'h/help'
        case 'configure-codex'
            __codex-credential-helper_parse_subcommand 0 'store=' 'codex-home=' 'version' 'h/help'
        case 'version'
            __codex-credential-helper_parse_subcommand 0 'version' 'h/help'
        case 'help'
            __codex-credential-helper_parse_subcommand -r 1 'version'
        end
    end
end

function __codex-credential-helper_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __codex-credential-helper_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __codex-credential-helper_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __codex-credential-helper_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__codex-credential-helper_tokens -p)
    if test -z "$(__codex-credential-helper_tokens -t)"
        set -l index (count (__codex-credential-helper_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'codex-credential-helper' -f
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'login' -d 'Store a Codex access token (or API key) read from standard input.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'logout' -d 'Erase every stored copy of the credential for a Codex home.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'get' -d 'Print the stored credential (key=value lines, the token alone, or Codex\'s JSON record).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'store' -d 'Store the credential given as key=value lines (token= is required).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'erase' -d 'Erase the credential named by the request (an empty request is refused).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'exec' -d 'Run a command with the stored credential in its environment, and nowhere else.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'rotate' -d 'Replace the stored credential with a new one read from stdin, optionally only if a smoke test passes.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'list' -d 'List every credential the helper can see, across backends and Codex homes. Never a secret.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'status' -d 'Diagnose: which backends are usable, where the credential is, whether Codex will find it.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'configure-codex' -d 'Make Codex read its credential from the keyring: set cli_auth_credentials_store in config.toml.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'version' -d 'Print the helper\'s version and the libsecret the keyring would use.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" with-access-token' -l 'with-access-token' -d 'Read a Codex access token: at-… (personal) or an agent-identity JWT.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" with-api-key' -l 'with-api-key' -d 'Read a Platform API key (sk-…).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" configure-codex' -l 'configure-codex' -d 'Also set cli_auth_credentials_store = "keyring" in $CODEX_HOME/config.toml (see configure-codex).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" expires-in' -l 'expires-in' -d 'Record that the token expires after this long (12h, 30d, 90d).' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" expires-at' -l 'expires-at' -d 'Record that the token expires at this date or RFC 3339 time.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" name' -l 'name' -d 'The token\'s name on the workspace\'s Access tokens page (e.g. release-ci).' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" warn-within' -l 'warn-within' -d 'Warn when the token expires within this long.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper login" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" format' -l 'format' -d 'Output: kv (key=value lines), token (the token alone), codex-json (the exact record).' -rfka 'kv token codex-json'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" no-env' -l 'no-env' -d 'Ignore CODEX_ACCESS_TOKEN in the environment (which Codex itself would use first).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" allow-expired' -l 'allow-expired' -d 'Print an expired credential anyway (for inspection).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper store" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper erase" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_positional "codex-credential-helper exec" -ge 1' -fka '(__codex-credential-helper_custom_completion ---completion exec -- positional@0 (count (__codex-credential-helper_tokens -pc)) (__codex-credential-helper_tokens -tC))'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" with-access-token' -l 'with-access-token' -d 'The replacement is a Codex access token: at-… (personal) or an agent-identity JWT (the default).'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" with-api-key' -l 'with-api-key' -d 'The replacement is a Platform API key (sk-…) rather than an access token.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" smoke-test' -l 'smoke-test' -d 'Command to run with the new credential; commit only if it exits 0.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" expires-in' -l 'expires-in' -d 'Record that the token expires after this long (12h, 30d, 90d).' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" expires-at' -l 'expires-at' -d 'Record that the token expires at this date or RFC 3339 time.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" name' -l 'name' -d 'The token\'s name on the workspace\'s Access tokens page (e.g. release-ci).' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" warn-within' -l 'warn-within' -d 'Warn when the token expires within this long.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper rotate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" json' -l 'json' -d 'Print a JSON array instead of a table.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" check' -l 'check' -d 'Also write, read back and erase a throwaway credential in the chosen backend.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" json' -l 'json' -d 'Print the report as one JSON object (see README: status --json); never a secret.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" warn-within' -l 'warn-within' -d 'Warn when the credential expires within this long.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" codex-home' -l 'codex-home' -d 'The Codex home whose credential to use (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" timeout' -l 'timeout' -d 'Upper bound on keyring (D-Bus) calls, in seconds.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" backend' -l 'backend' -d 'Where credentials live: auto (the keyring when usable, else the encrypted file), secret-service, or file. Default: $CODEX_CREDENTIAL_BACKEND, else auto.' -rfka 'auto secret-service file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" file' -l 'file' -d 'The encrypted file (default: $CODEX_CREDENTIAL_FILE, else $CODEX_HOME/credentials.sealed).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" key-mode' -l 'key-mode' -d 'How a new encrypted file is keyed: auto (a passphrase when one is given, else a key file), passphrase, or key-file. Default: $CODEX_CREDENTIAL_KEY_MODE, else auto.' -rfka 'auto passphrase key-file'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" passphrase-file' -l 'passphrase-file' -d 'Read the file passphrase from this file (mode 0600).' -rF
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" passphrase-fd' -l 'passphrase-fd' -d 'Read the file passphrase from this file descriptor.' -rfka ''
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" verbose' -l 'verbose' -d 'Trace what the helper does on stderr (secrets redacted). Also CODEX_CREDENTIAL_TRACE=1.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper configure-codex" store' -l 'store' -d 'What Codex reads: keyring (the keyring only) or auto (the keyring, else auth.json).' -rfka 'keyring auto'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper configure-codex" codex-home' -l 'codex-home' -d 'The Codex home (default: $CODEX_HOME if set and non-empty, else ~/.codex).' -rfa '(__codex-credential-helper_complete_directories)'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper configure-codex" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper configure-codex" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper version" version' -l 'version' -d 'Show the version.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'codex-credential-helper' -n '__codex-credential-helper_should_offer_completions_for_flags_or_options "codex-credential-helper help" version' -l 'version' -d 'Show the version.'

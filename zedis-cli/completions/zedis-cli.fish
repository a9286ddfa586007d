complete -c zedis-cli -s h -d 'Server hostname' -r
complete -c zedis-cli -s p -d 'Server port' -r
complete -c zedis-cli -s s -d 'Server socket (overrides hostname and port)' -r
complete -c zedis-cli -s a -l pass -d 'Password to use when connecting to the server (also ZEDISCLI_AUTH / REDISCLI_AUTH)' -r
complete -c zedis-cli -l user -d 'Used to send ACL style \'AUTH username pass\'. Needs -a' -r
complete -c zedis-cli -s u -d 'Server URI: redis://[[user]:password@]host[:port][/db]' -r
complete -c zedis-cli -s n -d 'Database number' -r
complete -c zedis-cli -s X -d 'Read the argument named TAG from stdin' -r
complete -c zedis-cli -s r -d 'Execute the command N times (negative: forever)' -r
complete -c zedis-cli -s i -d 'Wait this many seconds between commands (with -r); the interval of --stat and friends' -r
complete -c zedis-cli -s d -d 'Delimiter between response bulks for raw formatting (default: \\n)' -r
complete -c zedis-cli -s D -d 'Delimiter between responses for raw formatting (default: \\n)' -r
complete -c zedis-cli -l show-pushes -d 'Whether to print RESP3 push messages (y/n); on by default when stdout is a tty' -r
complete -c zedis-cli -l pattern -d 'Keys pattern for --scan, --bigkeys and --memkeys' -r
complete -c zedis-cli -l quoted-pattern -d 'Like --pattern, but the argument is a quoted string' -r
complete -c zedis-cli -l count -d 'COUNT hint for --scan' -r
complete -c zedis-cli -l memkeys-samples -d 'Like --memkeys with SAMPLES for MEMORY USAGE' -r
complete -c zedis-cli -l pipe-timeout -d 'In --pipe mode, abort after this many seconds without replies (0: never)' -r
complete -c zedis-cli -l rdb -d 'Transfer an RDB dump from the server to FILENAME' -r
complete -c zedis-cli -l eval -d 'Send an EVAL command using the Lua script at FILE' -r
complete -c zedis-cli -l completions -d 'Print a shell completion script and exit' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c zedis-cli -l askpass -d 'Force the user to input the password from stdin with the mask'
complete -c zedis-cli -s 2 -d 'Start the session in RESP2 protocol mode'
complete -c zedis-cli -s 3 -d 'Start the session in RESP3 protocol mode'
complete -c zedis-cli -s e -d 'Return an exit error code when the command fails'
complete -c zedis-cli -s x -d 'Read the last argument from stdin'
complete -c zedis-cli -l raw -d 'Use raw formatting for replies (default when stdout is not a tty)'
complete -c zedis-cli -l no-raw -d 'Force formatted output even when stdout is not a tty'
complete -c zedis-cli -l csv -d 'Output in CSV format'
complete -c zedis-cli -l json -d 'Output in JSON format (RESP3 is tried unless -2)'
complete -c zedis-cli -l quoted-json -d 'Same as --json, but produce ASCII-safe quoted strings'
complete -c zedis-cli -l quoted-input -d 'Force input to be handled as quoted strings'
complete -c zedis-cli -l no-auth-warning -d 'Do not print the warning about passwords on the command line'
complete -c zedis-cli -l verbose -d 'Print more information'
complete -c zedis-cli -l stat -d 'Print rolling stats about the server: mem, clients, ...'
complete -c zedis-cli -l latency -d 'Enter a continuous sampling of latency'
complete -c zedis-cli -l latency-history -d 'Like --latency, tracking history in windows of 15 seconds (-i to change)'
complete -c zedis-cli -l latency-dist -d 'Show latency as a spectrum (1 second windows, -i to change)'
complete -c zedis-cli -l scan -d 'List all keys using the SCAN command'
complete -c zedis-cli -l bigkeys -d 'Sample keys looking for keys with many elements'
complete -c zedis-cli -l memkeys -d 'Sample keys looking for keys consuming a lot of memory'
complete -c zedis-cli -l pipe -d 'Transfer raw RESP from stdin to the server (mass insertion)'
complete -c zedis-cli -s v -l version -d 'Output version and exit'
complete -c zedis-cli -l help -d 'Output this help and exit'

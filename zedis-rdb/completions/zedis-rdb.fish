# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_zedis_rdb_global_optspecs
    string join \n q/quiet h/help V/version
end

function __fish_zedis_rdb_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_zedis_rdb_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_zedis_rdb_using_subcommand
    set -l cmd (__fish_zedis_rdb_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -s h -l help -d 'Print help'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -s V -l version -d 'Print version'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "verify" -d 'Check structure and every checksum; print a summary (exit 0 valid, 1 damaged, 2 unusable)'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "dump" -d 'Print every key with its type, value, expiry and file encoding'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "stats" -d 'Per-type counts, memory estimate, percentiles, expiries, biggest keys, key prefixes'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "convert" -d 'Rewrite a snapshot in another format (expiries kept; LRU/LFU where the target holds them)'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "salvage" -d 'Copy every key that can be read from a damaged file into a new valid file'
complete -c zedis-rdb -n "__fish_zedis_rdb_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand verify" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand verify" -s h -l help -d 'Print help'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l format -d 'Output format (resp loads through `redis-cli --pipe`)' -r -f -a "json\t'One JSON array of key objects'
jsonl\t'One JSON object per line'
resp\t'RESP commands that rebuild every key (SELECT, SET/RPUSH/..., PEXPIREAT)'
text\t'One human-readable line per key'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l escape -d 'How keys and values are escaped (not for resp, which is binary-safe)' -r -f -a "raw\t'Bytes unchanged (JSON replaces invalid UTF-8 with U+FFFD)'
print\t'Printable ASCII kept, everything else as \\xNN'
utf8\t'Valid UTF-8 kept (control characters as \\xNN), invalid bytes as \\xNN'
base64\t'Standard base64'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l db -d 'Only this database (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l key -d 'Only keys matching this regular expression (bytes; unanchored)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l not-key -d 'Skip keys matching this regular expression' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l type -d 'Only this type: string, list, set, zset, hash (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l expired -d 'What to do with keys whose expiry has passed' -r -f -a "include\t'Keep keys whose expiry has passed'
exclude\t'Drop keys whose expiry has passed'
only\t'Only keys whose expiry has passed'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -l size -d 'Only keys whose estimated size is in this range, e.g. 1KB..1MB, 100.., ..4KiB' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l top -d 'How many of the biggest keys to list' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l csv -d 'Also write the biggest keys as rdbtools\' memory CSV to this file' -r -F
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l bytes -d 'Only list keys whose estimated size is at least this many bytes' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l prefix-sep -d 'Key-prefix separator for the prefix breakdown' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l db -d 'Only this database (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l key -d 'Only keys matching this regular expression (bytes; unanchored)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l not-key -d 'Skip keys matching this regular expression' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l type -d 'Only this type: string, list, set, zset, hash (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l expired -d 'What to do with keys whose expiry has passed' -r -f -a "include\t'Keep keys whose expiry has passed'
exclude\t'Drop keys whose expiry has passed'
only\t'Only keys whose expiry has passed'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -l size -d 'Only keys whose estimated size is in this range, e.g. 1KB..1MB, 100.., ..4KiB' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l to -d 'Target format' -r -f -a "zdb\t'zedis native snapshot'
rdb\t'Redis RDB version 10 (Redis 7.0)'
aof\t'RESP commands with absolute expiries (PEXPIREAT)'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l db -d 'Only this database (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l key -d 'Only keys matching this regular expression (bytes; unanchored)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l not-key -d 'Skip keys matching this regular expression' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l type -d 'Only this type: string, list, set, zset, hash (repeatable)' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l expired -d 'What to do with keys whose expiry has passed' -r -f -a "include\t'Keep keys whose expiry has passed'
exclude\t'Drop keys whose expiry has passed'
only\t'Only keys whose expiry has passed'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -l size -d 'Only keys whose estimated size is in this range, e.g. 1KB..1MB, 100.., ..4KiB' -r
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand salvage" -l to -d 'Target format (default: the input\'s)' -r -f -a "zdb\t'zedis native snapshot'
rdb\t'Redis RDB version 10 (Redis 7.0)'
aof\t'RESP commands with absolute expiries (PEXPIREAT)'"
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand salvage" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand salvage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "verify" -d 'Check structure and every checksum; print a summary (exit 0 valid, 1 damaged, 2 unusable)'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "dump" -d 'Print every key with its type, value, expiry and file encoding'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "stats" -d 'Per-type counts, memory estimate, percentiles, expiries, biggest keys, key prefixes'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "convert" -d 'Rewrite a snapshot in another format (expiries kept; LRU/LFU where the target holds them)'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "salvage" -d 'Copy every key that can be read from a damaged file into a new valid file'
complete -c zedis-rdb -n "__fish_zedis_rdb_using_subcommand help; and not __fish_seen_subcommand_from verify dump stats convert salvage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

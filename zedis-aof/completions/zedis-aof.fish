# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_zedis_aof_global_optspecs
    string join \n q/quiet h/help V/version
end

function __fish_zedis_aof_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_zedis_aof_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_zedis_aof_using_subcommand
    set -l cmd (__fish_zedis_aof_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -s h -l help -d 'Print help'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -s V -l version -d 'Print version'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "verify" -d 'Check every file in loading order and print redis-check-aof\'s verdict (exit 0 valid, 1 damaged, 2 unusable)'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "fix" -d 'Cut a torn tail off the last file (an unfinished MULTI is cut before the MULTI)'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "truncate-to-timestamp" -d 'Cut the last file at the first #TS annotation later than TS (unix seconds)'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "dump" -d 'List commands with their offset, database and timestamp'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "stats" -d 'Commands per type and per key prefix, file sizes, and what a rewrite would save'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "rewrite" -d 'Replay into memory and write the minimal equivalent: a new appendonlydir, or one RESP file'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "convert" -d 'Replay into memory and write a snapshot of the state the AOF describes'
complete -c zedis-aof -n "__fish_zedis_aof_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand verify" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand verify" -s h -l help -d 'Print help'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand fix" -s y -l yes -d 'Do not ask for confirmation'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand fix" -l backup -d 'Keep a copy of the file before changing it (the default)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand fix" -l no-backup -d 'Change the file without keeping a copy'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand fix" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand fix" -s h -l help -d 'Print help'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand truncate-to-timestamp" -s y -l yes -d 'Do not ask for confirmation'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand truncate-to-timestamp" -l backup -d 'Keep a copy of the file before changing it (the default)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand truncate-to-timestamp" -l no-backup -d 'Change the file without keeping a copy'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand truncate-to-timestamp" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand truncate-to-timestamp" -s h -l help -d 'Print help'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l format -d 'Output format' -r -f -a "text\t'One aligned line per command'
json\t'One JSON array of every command'
jsonl\t'One JSON object per line'"
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l key -d 'Only commands whose first key matches this regular expression' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l command -d 'Only these commands (case-insensitive; repeatable)' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l db -d 'Only commands run in this database' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l since -d 'Only commands after the #TS annotation at or after this unix time' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -l until -d 'Only commands before the first #TS annotation later than this unix time' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand stats" -l prefix-sep -d 'Key-prefix separator for the prefix breakdown' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand stats" -l top -d 'How many commands and prefixes to list' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand stats" -l rewrite-size -d 'Also measure what a rewrite would write and save, by replaying into memory (memory then grows with the dataset instead of staying flat)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand stats" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand stats" -s h -l help -d 'Print help'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand rewrite" -l base -d 'What the new base file is' -r -f -a "zdb\t'A zedis .zdb snapshot (aof-use-rdb-preamble yes)'
aof\t'RESP commands, readable by Redis (aof-use-rdb-preamble no)'"
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand rewrite" -l appendfilename -d 'The appendfilename for the new directory\'s files' -r
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand rewrite" -l single -d 'Write one RESP file instead of a directory'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand rewrite" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand rewrite" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand convert" -l to -d 'Snapshot format: zedis .zdb, or Redis RDB version 10' -r -f -a "zdb\t'zedis native snapshot'
rdb\t'Redis RDB version 10'"
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand convert" -s q -l quiet -d 'No progress bar and no summary on stderr'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "verify" -d 'Check every file in loading order and print redis-check-aof\'s verdict (exit 0 valid, 1 damaged, 2 unusable)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "fix" -d 'Cut a torn tail off the last file (an unfinished MULTI is cut before the MULTI)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "truncate-to-timestamp" -d 'Cut the last file at the first #TS annotation later than TS (unix seconds)'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "dump" -d 'List commands with their offset, database and timestamp'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "stats" -d 'Commands per type and per key prefix, file sizes, and what a rewrite would save'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "rewrite" -d 'Replay into memory and write the minimal equivalent: a new appendonlydir, or one RESP file'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "convert" -d 'Replay into memory and write a snapshot of the state the AOF describes'
complete -c zedis-aof -n "__fish_zedis_aof_using_subcommand help; and not __fish_seen_subcommand_from verify fix truncate-to-timestamp dump stats rewrite convert help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

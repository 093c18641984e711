# Layerlab shell integration, sourced by the learner's ~/.bashrc in the workbench.
# It tells the server where each command starts and ends, so the lesson's checks hear what the
# learner ran: OSC 6973 sequences, which the server takes out of the stream before anything
# shows them (sandbox-server/workbench/shell-markers.ts).
#   start;BASE64       PS0: this command line was read and is about to run
#   end;STATUS;STAMP;BASE64
#                      PROMPT_COMMAND: history gained that line, and it exited with STATUS; STAMP
#                      sums the workspace's names, sizes and times, so the server reads the files
#                      back only when it changed
#   prompt             PROMPT_COMMAND: back at the prompt with nothing run (an empty line, Ctrl-C)
#   more               PS2: the line is not a whole command yet (an open quote, a trailing \)
HISTCONTROL=
HISTSIZE=1000
HISTFILESIZE=1000
__layerlab_seen=
__layerlab_ready=

# Sets number and line from the newest history entry.
__layerlab_last() {
  entry=$(HISTTIMEFORMAT= builtin history 1)
  entry=${entry#"${entry%%[![:space:]]*}"}
  number=${entry%%[[:space:]]*}
  line=${entry#"$number"}
  line=${line#  }
}

__layerlab_start() {
  local entry number line
  __layerlab_last
  printf '\e]6973;start;%s\a' "$(printf %s "$line" | base64 -w0)"
}

__layerlab_stamp() {
  find "$HOME/workspace" -xdev -printf '%T@ %s %p\n' 2>/dev/null | cksum | tr ' ' '-'
}

__layerlab_prompt() {
  local status=$? entry number line
  __layerlab_last
  if [ -n "$__layerlab_ready" ] && [ "$number" != "$__layerlab_seen" ]; then
    printf '\e]6973;end;%s;%s;%s\a' "$status" "$(__layerlab_stamp)" "$(printf %s "$line" | base64 -w0)"
  else
    printf '\e]6973;prompt\a'
  fi
  __layerlab_seen=$number
  __layerlab_ready=1
}

PS0='$(__layerlab_start)'
# \[ \] tell readline the marker takes no room on the line.
PS2='\[\e]6973;more\a\]> '
PROMPT_COMMAND=__layerlab_prompt

# `help` says what this sandbox allows (the server writes it from the live policy); `help NAME`
# stays bash's help for its own commands.
help() {
  if [ $# -eq 0 ]; then
    curl -sS --unix-socket /run/docker.sock http://layerlab/layerlab/help
  else
    builtin help "$@"
  fi
}

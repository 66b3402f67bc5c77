# What zsh's completion system offers at the end of a command line, one match per line:
#   zsh -f capture-zsh-completion.zsh SCRIPT OUT LINE
# Runs an interactive zsh on a pseudo-terminal (zsh/zpty), loads compinit and SCRIPT, types LINE and TAB, and
# records every match that reaches compadd into OUT; a post-completion hook marks when completion is over.
zmodload zsh/zpty || exit 3
local script=$1 out=$2 line=$3 junk
: > $out
zpty shell 'zsh -f -i'
zpty -w shell "PS1=''; autoload -U compinit; compinit -u -D"
zpty -w shell "source ${(q)script}"
# Calls that only collect (-O, -A, -D) add nothing to the menu; the others are recorded and passed on.
zpty -w shell "compadd() { if [[ \${@[1,(i)(-|--)]} == *-[OAD]\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a hits; builtin compadd -A hits \"\$@\"; (( \$#hits )) && print -rl -- \$hits >> ${(q)out}; builtin compadd \"\$@\" }"
zpty -w shell "__capture_done() { print -r -- '<done>' >> ${(q)out} }; comppostfuncs=(__capture_done)"
zpty -w shell "$line"$'\t'
repeat 200; do
  grep -qx '<done>' $out 2>/dev/null && break
  zpty -r -t shell junk 2>/dev/null
  sleep 0.1
done
zpty -d shell
grep -qx '<done>' $out || { print -u2 "completion of ${(q)line} did not finish"; exit 4 }
grep -vx '<done>' $out
exit 0

/**
 * The shell scripts `completion bash|zsh|fish` prints. They know nothing of the commands: every TAB asks the plugin
 * (`<bin> completion __complete -- WORDS...`), so they never go stale and complete cluster objects too.
 */
export const COMPLETE_MODE = '__complete'

export type Shell = 'bash' | 'fish' | 'zsh'

function shellName(bin: string): string {
  return bin.replaceAll(/[^A-Za-z0-9_]/g, '_')
}

/**
 * kubectl (>= 1.26) completes `kubectl maintenance <TAB>` by running an executable `kubectl_complete-maintenance` from
 * PATH. npm install -g / npm link install it beside the plugin (package.json bin); for any other install (krew, the
 * executable) the script says the one line that does.
 */
export function kubectlHelperLine(bin: string): string {
  const plugin = bin.replace(/^kubectl-/, '')
  const helper = `"$(dirname "$(command -v ${bin})")/kubectl_complete-${plugin}"`
  return `command -v kubectl_complete-${plugin} >/dev/null || { printf '#!/bin/sh\\nexec ${bin} completion ${COMPLETE_MODE} -- "$@"\\n' > ${helper} && chmod +x ${helper}; }`
}

const KUBECTL_NOTE = (bin: string): string =>
  `# For "kubectl ${bin.replace(/^kubectl-/, '')} <TAB>" (kubectl >= 1.26 completes plugins) kubectl runs kubectl_complete-${bin.replace(/^kubectl-/, '')}
# from PATH; npm install -g and npm link put it there. Otherwise this one line puts it next to ${bin}:
# ${kubectlHelperLine(bin)}`

export function bashScript(bin: string): string {
  const fn = `__${shellName(bin)}_complete`
  return `# bash completion for ${bin}
# Load it now:            source <(${bin} completion bash)
# Load it in every shell: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
${KUBECTL_NOTE(bin)}

${fn}() {
    local line=\${COMP_LINE:0:COMP_POINT}
    local -a words
    read -r -a words <<< "$line"
    if [[ \${#words[@]} -eq 0 || $line == *[[:space:]] ]]; then words+=(""); fi
    local typed=\${words[\${#words[@]}-1]}
    # readline replaces only what follows the last word-break character (= and : among them).
    local replaced=\${line##*[$COMP_WORDBREAKS]}
    local keep=\${typed:0:\${#typed}-\${#replaced}}

    local out
    out=$(${bin} completion ${COMPLETE_MODE} -- "\${words[@]:1}" 2>/dev/null)
    local -a lines
    mapfile -t lines <<< "$out"
    local last=\${lines[\${#lines[@]}-1]}
    [[ $last == :* ]] || return 0
    local directive=\${last#:}
    unset 'lines[\${#lines[@]}-1]'

    COMPREPLY=()
    local candidate
    for candidate in "\${lines[@]}"; do
        candidate=\${candidate%%$'\\t'*}
        [[ -n $candidate && $candidate == "$keep"* ]] && COMPREPLY+=("\${candidate#"$keep"}")
    done
    if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
    if (( \${#COMPREPLY[@]} == 0 )); then
        if (( directive & 16 )); then
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$replaced")
        elif (( (directive & 4) == 0 )); then
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$replaced")
        fi
    fi
    return 0
}

complete -F ${fn} ${bin}
`
}

export function zshScript(bin: string): string {
  const fn = `_${shellName(bin)}`
  return `#compdef ${bin}
# zsh completion for ${bin}
# Load it now:            source <(${bin} completion zsh)
# Load it in every shell: ${bin} completion zsh > "\${fpath[1]}/_${bin}"   (then: compinit)
${KUBECTL_NOTE(bin)}

${fn}() {
    local typed=\${words[CURRENT]} keep='' out directive line value
    local -a lines described
    out=$(${bin} completion ${COMPLETE_MODE} -- "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
    lines=("\${(@f)out}")
    [[ \${lines[-1]} == :* ]] || return 1
    directive=\${lines[-1]#:}
    lines[-1]=()
    if [[ $typed == -*=* ]]; then
        keep=\${typed%%=*}=
        compset -P '*='
    fi
    for line in $lines; do
        value=\${\${line%%$'\\t'*}#$keep}
        [[ -n $value ]] || continue
        if [[ $line == *$'\\t'* ]]; then
            described+=("\${value//:/\\\\:}:\${line#*$'\\t'}")
        else
            described+=("\${value//:/\\\\:}")
        fi
    done
    if (( \${#described} == 0 )); then
        if (( directive & 16 )); then _files -/
        elif (( ! (directive & 4) )); then _files
        fi
        return
    fi
    local -a nospace
    (( directive & 2 )) && nospace=(-S '')
    _describe -t values '${bin}' described "\${nospace[@]}"
}

if [[ "\${funcstack[1]}" == "_${bin}" ]]; then
    ${fn} "$@"
else
    compdef ${fn} ${bin}
fi
`
}

export function fishScript(bin: string): string {
  const fn = `__${shellName(bin)}_complete`
  return `# fish completion for ${bin}
# Load it now:            ${bin} completion fish | source
# Load it in every shell: ${bin} completion fish > ~/.config/fish/completions/${bin}.fish
${KUBECTL_NOTE(bin)}

function ${fn}
    set -l args (commandline -opc)[2..-1] (commandline -ct)
    set -l lines (${bin} completion ${COMPLETE_MODE} -- $args 2>/dev/null)
    set -q lines[1]; or return
    string match -q -- ':*' $lines[-1]; or return
    set -l directive (string sub -s 2 -- $lines[-1])
    set -e lines[-1]
    if test (count $lines) -eq 0
        if test (math "bitand($directive, 16)") -ne 0
            __fish_complete_directories (commandline -ct)
        else if test (math "bitand($directive, 4)") -eq 0
            __fish_complete_path (commandline -ct)
        end
        return
    end
    printf '%s\\n' $lines
end

complete -c ${bin} -f -a '(${fn})'
`
}

export function completionScript(shell: Shell, bin: string): string {
  switch (shell) {
    case 'bash': {
      return bashScript(bin)
    }

    case 'fish': {
      return fishScript(bin)
    }

    case 'zsh': {
      return zshScript(bin)
    }
  }
}

import type {Config} from '@oclif/core'

import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {type Catalog, catalogFromConfig} from '../../src/cli/completion/catalog.js'
import {clusterSource} from '../../src/cli/completion/cluster-source.js'
import {Directive, planCompletion, resolveCompletion} from '../../src/cli/completion/complete.js'
import {executableDir, pathWith, run} from '../packaging/plugin-path.js'
import {loadSourceConfig, sourceCliCommand} from '../packaging/source-config.js'
import type {ApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'
import {findBinary, requireSystemBinary} from '../support/system-binary.js'
import {customPage, ingress, service, startCluster, unreachableKubeconfig, windowConfigMap} from './fixtures.js'

describe('completion', function () {
  this.timeout(60_000)
  let config: Config
  let catalog: Catalog
  let server: ApiServer

  before(async () => {
    config = await loadSourceConfig()
    catalog = catalogFromConfig(config)
    server = await startCluster()
    server.seed(
      windowConfigMap({name: 'active', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop,service/web'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later-too', namespace: 'shop', start: '2026-12-25T10:00:00Z', targets: 'ingress/web'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-24T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'elsewhere', namespace: 'web', start: '2026-12-25T10:00:00Z', targets: 'ingress/web'}),
      {apiVersion: 'v1', data: {a: 'b'}, kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'shop'}},
      ingress('shop', 'shop'),
      ingress('web', 'shop'),
      ingress('other', 'web'),
      service('web', 'shop'),
      customPage('black-friday', 'shop'),
      customPage('company', 'kubectl-maintenance'),
    )
  })

  after(async () => server.close())

  const complete = async (...words: string[]) => {
    const {candidates, directive} = await resolveCompletion(planCompletion(words, catalog), clusterSource())
    return {directive, values: candidates.map((candidate) => candidate.value)}
  }

  describe('completion SHELL', () => {
    it('prints a bash script that registers a completion function asking the plugin', async () => {
      const result = await runCommand(['completion', 'bash'])
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout).to.include('complete -F __kubectl_maintenance_complete kubectl-maintenance\n')
      expect(result.stdout).to.include('kubectl-maintenance completion __complete -- ')
    })

    it('prints zsh and fish scripts', async () => {
      const zsh = await runCommand(['completion', 'zsh'])
      expect(zsh.stdout).to.match(/^#compdef kubectl-maintenance\n/)
      expect(zsh.stdout).to.include('compdef _kubectl_maintenance kubectl-maintenance')
      const fish = await runCommand(['completion', 'fish'])
      expect(fish.stdout).to.include("complete -c kubectl-maintenance -f -a '(__kubectl_maintenance_complete)'")
    })

    it('rejects a shell it has no script for, exit 2', async () => {
      const result = await runCommand(['completion', 'tcsh'])
      expect(result.exitCode).to.equal(2)
      expect(result.stderr).to.include('shell "tcsh" is not supported: use one of bash, zsh, fish')
      expect(result.stdout).to.equal('')
    })
  })

  describe('commands and flags', () => {
    it('offers the commands and topics, not aliases', async () => {
      const {directive, values} = await complete('')
      expect(values).to.include.members(['cancel', 'completion', 'end', 'extend', 'list', 'now', 'page', 'schedule', 'status'])
      expect(values).not.to.include('ls')
      expect(values).to.deep.equal([...values].sort())
      expect(directive).to.equal(Directive.NoFileComp)
    })

    it('offers the commands of a topic, and only those matching what is typed', async () => {
      expect((await complete('page', '')).values).to.deep.equal(['create', 'delete', 'list', 'show'])
      expect((await complete('sch')).values).to.deep.equal(['schedule'])
    })

    it('offers the flags of the command, long and short, with descriptions', async () => {
      const {candidates} = await resolveCompletion(planCompletion(['list', '-'], catalog), clusterSource())
      expect(candidates).to.deep.include({description: 'Output format', value: '--output'})
      expect(candidates).to.deep.include({description: 'Output format', value: '-o'})
      expect(candidates.map((candidate) => candidate.value)).to.include.members(['--all-namespaces', '-A', '--kubeconfig', '--namespace', '-n', '--selector', '--help'])
      expect((await complete('list', '--output', 'json', '--o')).values).to.deep.equal([], 'a flag given once is not offered again')
      expect((await complete('list', '--')).values).not.to.include('-o')
    })

    it('offers the options of a flag, separately or after =', async () => {
      expect((await complete('list', '-o', '')).values).to.have.members(['json', 'name', 'table', 'wide', 'yaml'])
      expect(await complete('list', '--output=y')).to.deep.equal({directive: Directive.NoFileComp, values: ['--output=yaml']})
      expect((await complete('schedule', '--timezone', 'Europe/Ber')).values).to.deep.equal(['Europe/Berlin'])
      expect((await complete('completion', '')).values).to.deep.equal(['bash', 'zsh', 'fish'])
    })

    it('lets the shell complete files or directories where a flag takes one', async () => {
      expect(await complete('list', '--kubeconfig', '')).to.deep.equal({directive: Directive.Default, values: []})
      expect(await complete('preview', '--out', '')).to.deep.equal({directive: Directive.FilterDirs, values: []})
      expect(await complete('schedule', '--start', '')).to.deep.equal({directive: Directive.NoFileComp, values: []})
    })

    it('offers target kinds as unfinished words (no space after the slash)', async () => {
      expect(await complete('schedule', 'ing')).to.deep.equal({directive: Directive.NoFileComp | Directive.NoSpace, values: ['ingress/', 'ingressroute/']})
      expect((await complete('now', 'sv')).values).to.deep.equal(['svc/'])
    })

    it('offers nothing for an argument the command does not take', async () => {
      expect(await complete('extend', 'later', '')).to.deep.equal({directive: Directive.NoFileComp, values: []})
      expect(await complete('bogus', '')).to.deep.equal({directive: Directive.NoFileComp, values: []})
    })
  })

  describe('names from the cluster', () => {
    const cluster = () => ['--kubeconfig', server.kubeconfigPath, '-n', 'shop']

    it('offers the windows of the namespace that are not over, with their targets and phase', async () => {
      const {candidates} = await resolveCompletion(planCompletion(['cancel', ...cluster(), ''], catalog), clusterSource())
      expect(candidates).to.deep.equal([
        {description: 'ingress/shop Active', value: 'active'},
        {description: 'ingress/shop,service/web Scheduled', value: 'later'},
        {description: 'ingress/web Pending', value: 'later-too'},
      ])
      expect((await complete('extend', ...cluster(), 'later-')).values).to.deep.equal(['later-too'])
    })

    it('offers windows and target kinds for end', async () => {
      expect((await complete('end', ...cluster(), '')).values).to.deep.equal(['ingress/', 'ingressroute/', 'httproute/', 'service/', 'svc/', 'active', 'later', 'later-too'])
    })

    it('offers the targets of a kind as kind/NAME, as the kind was typed, without the ones already given', async () => {
      expect(await complete('schedule', ...cluster(), 'ingress/')).to.deep.equal({directive: Directive.NoFileComp, values: ['ingress/shop', 'ingress/web']})
      expect((await complete('schedule', ...cluster(), 'ingress/shop', 'ingress/')).values).to.deep.equal(['ingress/web'])
      expect((await complete('status', ...cluster(), 'svc/')).values).to.deep.equal(['svc/web'])
      expect((await complete('now', '--kubeconfig', server.kubeconfigPath, '-n', 'web', 'ingresses/')).values).to.deep.equal(['ingresses/other'])
      expect((await complete('now', ...cluster(), 'httproute/')).values).to.deep.equal([])
    })

    it('offers namespaces, contexts and pages', async () => {
      expect((await complete('list', '--kubeconfig', server.kubeconfigPath, '-n', '')).values).to.include.members(['default', 'shop', 'web'])
      expect((await complete('list', '--kubeconfig', server.kubeconfigPath, '--context', '')).values).to.have.length.greaterThan(0)
      expect((await complete('schedule', ...cluster(), '--page', '')).values).to.deep.equal(['default', 'black-friday', 'company'])
      expect((await complete('page', 'delete', ...cluster(), '')).values).to.deep.equal(['black-friday'])
    })

    it('answers nothing, quickly and without an error, when the cluster cannot be reached', async () => {
      const started = Date.now()
      expect(await complete('cancel', '--kubeconfig', unreachableKubeconfig(), '')).to.deep.equal({directive: Directive.NoFileComp, values: []})
      expect(await complete('cancel', '--kubeconfig', '/nonexistent/kubeconfig', '')).to.deep.equal({directive: Directive.NoFileComp, values: []})
      expect(Date.now() - started).to.be.below(3000)
    })

    it('speaks the protocol on stdout through the hidden __complete mode', async () => {
      const result = await runCommand(['completion', '__complete', '--', 'cancel', ...cluster(), 'l'])
      expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'later\tingress/shop,service/web Scheduled\nlater-too\tingress/web Pending\n:4\n'})
    })
  })

  describe('in real shells', () => {
    let env: NodeJS.ProcessEnv
    let scriptFile: string

    let home: string

    before(async () => {
      const pluginDir = executableDir('kubectl-maintenance', sourceCliCommand())
      home = mkdtempSync(path.join(tmpdir(), 'km-home-'))
      env = {HOME: home, KUBECONFIG: server.kubeconfigPath, PATH: pathWith(pluginDir, path.join(PROJECT_ROOT, 'bin'))}
      scriptFile = path.join(home, 'kubectl-maintenance.bash')
      writeFileSync(scriptFile, (await runCommand(['completion', 'bash'])).stdout)
    })

    /** The script `completion SHELL` prints, in a file of the shell's own name. */
    async function writeScript(shell: 'fish' | 'zsh'): Promise<string> {
      const file = path.join(home, shell === 'zsh' ? '_kubectl-maintenance' : 'kubectl-maintenance.fish')
      writeFileSync(file, (await runCommand(['completion', shell])).stdout)
      return file
    }

    /** What bash offers at the end of `line`: the registered function run as readline would run it. */
    const bash = async (line: string): Promise<string[]> => {
      const program = [
        `source "$1"`,
        'fn=$(complete -p kubectl-maintenance | sed -E "s/.*-F ([^ ]+).*/\\1/")',
        'COMP_LINE=$2; COMP_POINT=${#COMP_LINE}',
        'read -r -a COMP_WORDS <<< "$COMP_LINE"; [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")',
        'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
        '"$fn" kubectl-maintenance "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n')
      const result = await run('bash', ['-c', program, 'bash', scriptFile, line], {env})
      expect(result.code, result.stderr).to.equal(0)
      return result.stdout.split('\n').filter(Boolean)
    }

    it('bash completes commands, flags, flag values after = and window names', async () => {
      expect(await bash('kubectl-maintenance ')).to.include.members(['cancel', 'list', 'page', 'schedule'])
      expect(await bash('kubectl-maintenance page s')).to.deep.equal(['show'])
      expect(await bash('kubectl-maintenance list --out')).to.deep.equal(['--output'])
      // readline breaks words at '=': bash is given only what follows it.
      expect(await bash('kubectl-maintenance list --output=ya')).to.deep.equal(['yaml'])
      expect(await bash('kubectl-maintenance cancel -n shop ')).to.deep.equal(['active', 'later', 'later-too'])
      expect(await bash('kubectl-maintenance schedule -n shop ingress/')).to.deep.equal(['ingress/shop', 'ingress/web'])
    })

    it('zsh completes commands, flags, flag values after = and window names', async function () {
      const zsh = requireSystemBinary(this, findBinary('zsh'), 'zsh not found: apt-get install zsh')
      const script = await writeScript('zsh')
      /** What zsh's completion system offers at the end of `line` (test/support/shells/capture-zsh-completion.zsh). */
      const offered = async (line: string): Promise<string[]> => {
        const out = path.join(home, 'zsh-matches')
        const result = await run(zsh, ['-f', path.join(PROJECT_ROOT, 'test', 'support', 'shells', 'capture-zsh-completion.zsh'), script, out, line], {env})
        expect(result.code, result.stderr).to.equal(0)
        return [...new Set(result.stdout.split('\n').filter(Boolean))]
      }
      expect(await offered('kubectl-maintenance ')).to.include.members(['cancel', 'list', 'page', 'schedule'])
      expect(await offered('kubectl-maintenance page s')).to.deep.equal(['show'])
      expect(await offered('kubectl-maintenance list --out')).to.deep.equal(['--output'])
      // The part before '=' stays as typed: zsh is given only the values.
      expect(await offered('kubectl-maintenance list --output=ya')).to.deep.equal(['yaml'])
      expect(await offered('kubectl-maintenance cancel -n shop ')).to.deep.equal(['active', 'later', 'later-too'])
      expect(await offered('kubectl-maintenance schedule -n shop ingress/')).to.deep.equal(['ingress/shop', 'ingress/web'])
    })

    it('fish completes commands with descriptions, flags, flag values after = and window names', async function () {
      const fish = requireSystemBinary(this, findBinary('fish'), 'fish not found: apt-get install fish')
      const script = await writeScript('fish')
      /** What fish offers at the end of `line`: its own `complete -C`, values without their descriptions. */
      const offered = async (line: string, withDescriptions = false): Promise<string[]> => {
        const result = await run(fish, ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line], {env})
        expect(result.code, result.stderr).to.equal(0)
        const lines = result.stdout.split('\n').filter(Boolean)
        return withDescriptions ? lines : lines.map((entry) => entry.split('\t')[0])
      }
      expect(await offered('kubectl-maintenance ')).to.include.members(['cancel', 'list', 'page', 'schedule'])
      expect(await offered('kubectl-maintenance page s', true)).to.deep.equal([`show\tPrint a page's template source, as windows of the namespace would use it`])
      expect(await offered('kubectl-maintenance list --out')).to.deep.equal(['--output'])
      expect(await offered('kubectl-maintenance list --output=ya')).to.deep.equal(['--output=yaml'])
      expect(await offered('kubectl-maintenance cancel -n shop ')).to.deep.equal(['active', 'later', 'later-too'])
      expect(await offered('kubectl-maintenance schedule -n shop ingress/')).to.deep.equal(['ingress/shop', 'ingress/web'])
    })

    it('kubectl completes "kubectl maintenance" through kubectl_complete-maintenance', async () => {
      const result = await run('kubectl', ['__complete', 'maintenance', 'cancel', '-n', 'shop', 'la'], {env})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.equal('later\tingress/shop,service/web Scheduled\nlater-too\tingress/web Pending\n:4\n')
    })
  })
})

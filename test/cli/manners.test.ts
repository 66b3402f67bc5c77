import {expect} from 'chai'
import {spawn} from 'node:child_process'
import path from 'node:path'

import type {ApiServer} from '../support/apiserver.js'

import {envFor, ingress, service, startCluster, windowConfigMap} from '../commands/fixtures.js'
import {run} from '../support/process.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'

const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.mjs')

describe('kubectl manners', () => {
  let server: ApiServer
  const cli = (...argv: string[]) => runCommand(argv, {env: envFor(server)})

  before(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop', {labels: {app: 'shop'}}),
      service('web', 'shop', {labels: {app: 'web'}}),
      windowConfigMap({end: '2026-12-24T20:30:00Z', name: 'ingress-shop-20261224-2100', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:59:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T02:00:00Z', labels: {team: 'web'}, name: 'service-web-20261225-0100', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T00:00:00Z', targets: 'service/web'}),
      windowConfigMap({end: '2026-12-25T12:00:00Z', name: 'ingress-front-20261225-0600', namespace: 'web', phase: 'Scheduled', start: '2026-12-25T11:00:00Z', targets: 'ingress/front', timezone: 'America/New_York'}),
    )
  })

  after(async () => server.close())

  describe('output conventions (issue 14 item 9)', () => {
    it('--no-headers drops the header line', async () => {
      const result = await cli('list', '-n', 'shop', '--no-headers')
      expect(result.stdout.split('\n')[0]).to.match(/^ingress-shop-20261224-2100 /)
      expect(result.exitCode).to.equal(0)
    })

    it('-o jsonpath prints kubectl templates, {range}/{end} and escaped dots included', async () => {
      const result = await cli('list', '-n', 'shop', '-o', String.raw`jsonpath={range .items[*]}{.metadata.name}{"\t"}{.metadata.annotations.kubectl-maintenance\.io/start}{"\n"}{end}`)
      expect(result.stdout).to.equal('ingress-shop-20261224-2100\t2026-12-24T19:59:00Z\nservice-web-20261225-0100\t2026-12-25T00:00:00Z\n')
      const names = await cli('list', '-A', '-o', 'jsonpath={.items[*].metadata.name}')
      expect(names.stdout).to.equal('ingress-shop-20261224-2100 service-web-20261225-0100 ingress-front-20261225-0600\n')
    })

    it('-o custom-columns and --sort-by', async () => {
      const result = await cli('list', '-A', '-o', 'custom-columns=NAME:.metadata.name,NS:{.metadata.namespace},MISSING:.spec.x', '--sort-by', '{.metadata.name}')
      expect(result.stdout).to.equal(
        [
          'NAME                          NS     MISSING',
          'ingress-front-20261225-0600   web    <none>',
          'ingress-shop-20261224-2100    shop   <none>',
          'service-web-20261225-0100     shop   <none>',
          '',
        ].join('\n'),
      )
    })

    it('a format kubectl does not know, or a broken template, is exit 2 before any request', async () => {
      server.clearLog()
      for (const argv of [['-o', 'jsonpath={range .items[*]}'], ['-o', 'custom-columns=NAME'], ['-o', 'tabel'], ['--sort-by', '.metadata[']]) {
        const result = await cli('list', ...argv)
        expect(result.exitCode, argv.join(' ')).to.equal(2)
        expect(result.stderr, argv.join(' ')).to.match(/^error: \S.*\n$/)
      }
      expect(server.requests).to.have.length(0)
    })

    it('list -o name prints window/NAME, and every command taking a window accepts window/NAME and configmap/NAME', async () => {
      const names = await cli('list', '-n', 'shop', '-o', 'name')
      expect(names.stdout).to.equal('window/ingress-shop-20261224-2100\nwindow/service-web-20261225-0100\n')
      const extended = await cli('extend', 'window/service-web-20261225-0100', '-n', 'shop', '--by', '10m')
      expect(extended.exitCode, extended.stderr).to.equal(0)
      const cancelled = await cli('cancel', 'configmap/service-web-20261225-0100', '-n', 'shop')
      expect(cancelled.exitCode, cancelled.stderr).to.equal(0)
      const ended = await cli('end', 'window/ingress-shop-20261224-2100', '-n', 'shop')
      expect(ended.exitCode, ended.stderr).to.equal(0)
      expect(ended.stdout).to.include('window ingress-shop-20261224-2100 ended')
    })

    it('-A prints NAMESPACE as the first column', async () => {
      // --all: the test before ended and cancelled the shop windows.
      const result = await cli('list', '-A', '--all')
      expect(result.stdout.split('\n')[0]).to.match(/^NAMESPACE {3}NAME {2,}TARGETS /)
      expect(result.stdout.split('\n')[1]).to.match(/^shop {8}ingress-shop-/)
    })

    it('schedule --label puts labels on the window for -l to select; a label the API would refuse is exit 2', async () => {
      const created = await cli('schedule', 'ingress/shop', '-n', 'shop', '--start', '2026-12-26T10:00:00Z', '--duration', '1h', '--label', 'team=payments', '--label', 'example.com/tier=front', '-o', 'name')
      expect(created.exitCode, created.stderr).to.equal(0)
      expect(created.stdout).to.match(/^window\/ingress-shop-20261226-\d{4}\n$/)
      const selected = await cli('list', '-A', '-l', 'team=payments', '-o', 'name')
      expect(selected.stdout).to.equal(created.stdout)
      const notin = await cli('list', '-n', 'shop', '-l', 'team notin (payments),example.com/tier!=x', '-o', 'name')
      expect(notin.stdout).to.not.include(created.stdout.trim())
      server.clearLog()
      const bad = await cli('schedule', 'ingress/shop', '-n', 'shop', '--start', '+1h', '--duration', '1h', '--label', 'team=not ok')
      expect(bad.exitCode).to.equal(2)
      expect(bad.stderr).to.match(/^error: --label "team=not ok": invalid label value "not ok": at most 63 characters/)
      expect(server.writes()).to.have.length(0)
    })

    it('status -l selects targets by their labels', async () => {
      await cli('now', 'ingress/shop', 'service/web', '-n', 'shop', '--for', '1h', '--no-wait')
      const all = await cli('status', '-n', 'shop', '-o', 'name')
      expect(all.stdout).to.equal('ingress/shop\nservice/web\n')
      const shop = await cli('status', '-n', 'shop', '-l', 'app=shop', '-o', 'name')
      expect(shop.exitCode, shop.stderr).to.equal(0)
      expect(shop.stdout).to.equal('ingress/shop\n')
    })

    it('list -w prints each change as it happens, after the list', async function () {
      this.timeout(60_000)
      const child = spawn(process.execPath, [BUNDLE, 'list', '-n', 'web', '-w'], {env: {...process.env, ...envFor(server)}})
      let out = ''
      const seen = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => out.includes(text) && resolve()
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString()
            check()
          })
          child.once('exit', () => reject(new Error(`list -w ended; it printed:\n${out}`)))
          check()
        })
      try {
        await seen('ingress-front-20261225-0600')
        server.seed(windowConfigMap({end: '2026-12-27T12:00:00Z', name: 'ingress-late', namespace: 'web', start: '2026-12-27T11:00:00Z', targets: 'ingress/front'}))
        await seen('ingress-late')
        expect(out.split('\n').filter((line) => line.startsWith('NAME'))).to.have.length(1)
        expect(out).to.match(/\ningress-late {2,}ingress\/front/)
      } finally {
        child.kill()
      }
    })
  })

  describe('status -w (issue 14 item 9)', () => {
    it('prints the table, then a line for each target whose row changes, without headers, until interrupted', async function () {
      this.timeout(60_000)
      server.seed(ingress('blog', 'default'))
      const child = spawn(process.execPath, [BUNDLE, 'status', '-n', 'default', '-w'], {env: {...process.env, ...envFor(server)}})
      let out = ''
      let err = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString()
      })
      const seen = async (stream: 'stdout' | 'stderr', pattern: RegExp) => {
        for (;;) {
          if (pattern.test(stream === 'stdout' ? out : err)) return
          if (child.exitCode !== null) throw new Error(`status -w ended; it printed:\n${out}\n${err}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
      try {
        await seen('stderr', /No targets in maintenance or scheduled for it in default namespace\./)
        const made = await cli('schedule', 'ingress/blog', '-n', 'default', '--start', '2026-12-26T10:00:00Z', '--duration', '1h', '--name', 'blog-upgrade', '--timezone', 'UTC')
        expect(made.exitCode, made.stderr).to.equal(0)
        await seen('stdout', /^ingress\/blog +no +blog-upgrade +<none> +<none> +<none>\n/m)
        // The window of now starts last, so it decides: the row changes to it, its backend and its end.
        const down = await cli('now', 'ingress/blog', '-n', 'default', '--for', '1h', '--name', 'blog-down', '--timezone', 'UTC')
        expect(down.exitCode, down.stderr).to.equal(0)
        await seen('stdout', /^ingress\/blog +yes +blog-down +maintenance-[0-9a-f]{10} +1\/1 +2026-12-24 21:00\n/m)
        expect(out.split('\n').filter((line) => line.startsWith('TARGET'))).to.have.length(0)
        // Each change on the way (the window stored, its backend starting, the switch) is a line, none repeated.
        const rows = out.split('\n').filter((line) => line.startsWith('ingress/blog'))
        expect(rows.length).to.be.at.least(2)
        expect(new Set(rows).size, out).to.equal(rows.length)
      } finally {
        child.kill()
      }
    })
  })

  describe('errors like kubectl (issue 14 item 10)', () => {
    it('an unknown flag: one line with a suggestion and where to find usage, no help dump, exit 2', async () => {
      const result = await cli('schedule', 'ingress/shop', '--start', '+1h', '--duraton', '1h')
      expect(result.exitCode).to.equal(2)
      expect(result.stderr).to.equal("error: unknown flag: --duraton\nDid you mean --duration?\nSee 'kubectl maintenance schedule --help' for usage.\n")
      expect(result.stdout).to.equal('')
    })

    it("oclif's exclusive and exactly-one errors become sentences that name the flags", async () => {
      const both = await cli('schedule', 'ingress/shop', '--start', '+1h', '--end', '+2h', '--duration', '1h')
      expect(both.exitCode).to.equal(2)
      expect(both.stderr).to.equal("error: --duration and --end cannot be used together: give one of them\nSee 'kubectl maintenance schedule --help' for usage.\n")
      const neither = await cli('schedule', 'ingress/shop', '--start', '+1h')
      expect(neither.exitCode).to.equal(2)
      expect(neither.stderr).to.equal("error: give exactly one of --duration or --end\nSee 'kubectl maintenance schedule --help' for usage.\n")
      expect(neither.stderr).to.not.match(/following|›/)
    })

    it('a bad -l is exit 2 with a clear message, before any request', async () => {
      server.clearLog()
      for (const selector of ['a b', 'team=', 'team in (a', '-bad=1', 'team=x y']) {
        const result = await cli('list', '-n', 'shop', '-l', selector)
        if (selector === 'team=') {
          expect(result.exitCode, selector).to.equal(0)
          continue
        }
        expect(result.exitCode, selector).to.equal(2)
        expect(result.stderr, selector).to.match(/^error: label selector ".*": .+\n$/)
      }
      const requests = server.requests.length
      expect(requests).to.equal(1) // only the valid `team=`
    })

    it('an unknown command suggests the closest one; errors are never wrapped, also not into a pipe', async function () {
      this.timeout(60_000)
      const env = {...process.env, ...envFor(server), COLUMNS: '40'}
      const typo = await run(process.execPath, [BUNDLE, 'lst'], {env})
      expect(typo.code).to.equal(2)
      expect(typo.stderr).to.equal('error: unknown command "lst" for "kubectl maintenance"\n\nDid you mean this?\n\tlist\nRun \'kubectl maintenance --help\' for usage.\n')
      const long = await run(process.execPath, [BUNDLE, 'extend', 'a-window-whose-name-is-long-enough-to-wrap-at-forty-columns', '-n', 'shop', '--by', '10m'], {env})
      expect(long.code).to.equal(2)
      expect(long.stderr.split('\n')[0]).to.match(/^error: window "a-window-whose-name-is-long-enough-to-wrap-at-forty-columns" not found in namespace "shop"; list them with/)
      expect(long.stderr).to.not.include('›')
    })
  })

  describe('every wrong input is one error: line and exit 2, writing nothing (issue 14 item 10)', () => {
    const usage = (command: string) => `\nSee 'kubectl maintenance ${command} --help' for usage.\n`
    const wrong: Array<{argv: string[]; stderr: string | RegExp}> = [
      {argv: ['cancel'], stderr: `error: missing WINDOW${usage('cancel')}`},
      // In-process, oclif names the command after its class (setpage); the installed CLI says set-page.
      {argv: ['set-page'], stderr: /^error: missing WINDOW, PAGE\nSee 'kubectl maintenance set-?page --help' for usage\.\n$/},
      {argv: ['schedule', 'ingress/shop', '-n', 'shop', '--start'], stderr: `error: flag needs an argument: --start${usage('schedule')}`},
      {argv: ['schedule', 'ingress/shop', '-n', 'shop', '--start', '+1h', '--duration', '1h', '--fold', 'sideways'], stderr: `error: invalid argument "sideways" for "--fold" flag: use one of earlier or later${usage('schedule')}`},
      {argv: ['now', 'ingress/shop', '-n', 'shop', '-o', 'wide'], stderr: `error: unable to match a printer suitable for the output format "wide", allowed formats are: table,json,yaml,name${usage('now')}`},
      {argv: ['preview', '--serve', 'eighty'], stderr: 'error: invalid argument "eighty" for "--serve" flag: expected an integer\n'},
      {argv: ['preview', '--nginx', '/usr/sbin/nginx'], stderr: `error: --nginx needs --serve${usage('preview')}`},
      {argv: ['reconcile', '-n', 'shop', '--horizon', 'soon'], stderr: 'error: --horizon: cannot read "soon" as a duration; use 90s, 45m, 2h30m, 1d, 1d2h, or ISO 8601 such as PT2H, P1D, PT1H30M\n'},
      {argv: ['schedule', 'ingress/shop', '-n', 'shop', '--start', '+1h', '--end', '20:00', '--timezone', 'UTC'], stderr: 'error: --end: "20:00" has already passed today in UTC (now 2026-12-24 20:00 UTC); for tomorrow write the date: "2026-12-25 20:00", or a relative time such as +30m\n'},
      {argv: ['extend', 'ingress-front-20261225-0600', '-n', 'web', '--until', '19:00', '--timezone', 'UTC'], stderr: 'error: --until: "19:00" has already passed today in UTC (now 2026-12-24 20:00 UTC); for tomorrow write the date: "2026-12-25 19:00", or a relative time such as +30m\n'},
    ]
    for (const {argv, stderr} of wrong) {
      it(argv.join(' '), async () => {
        server.clearLog()
        const result = await cli(...argv)
        if (typeof stderr === 'string') expect(result.stderr).to.equal(stderr)
        else expect(result.stderr).to.match(stderr)
        expect(result.exitCode).to.equal(2)
        expect(result.stdout).to.equal('')
        expect(server.writes()).to.deep.equal([])
      })
    }

    it('two refused targets: one error: line each', async () => {
      server.seed(service('kube-dns', 'kube-system'), service('metrics', 'kube-system'))
      server.clearLog()
      const result = await cli('now', 'svc/kube-dns', 'svc/metrics', '-n', 'kube-system', '--for', '1h')
      expect(result.exitCode).to.equal(2)
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines, result.stderr).to.have.length(2)
      for (const line of lines) expect(line).to.match(/^error: service\/(kube-dns|metrics) .*kube-system/)
      expect(server.writes()).to.deep.equal([])
    })

    it('a flag before any command: unknown flag, not a command named "--bogus"', async function () {
      this.timeout(30_000)
      const result = await run(process.execPath, [BUNDLE, '--bogus'], {env: {...process.env, ...envFor(server)}})
      expect(result.code).to.equal(2)
      expect(result.stderr).to.equal("error: unknown flag: --bogus (give a command first, e.g. kubectl maintenance list -n NAMESPACE)\nSee 'kubectl maintenance --help' for usage.\n")
    })
  })

  describe('every cluster failure is error: lines with the API reason and exit 1', () => {
    afterEach(() => server.faults.clear())

    const commands = [
      ['list', '-n', 'shop'],
      ['status', '-n', 'shop'],
      ['schedule', 'ingress/shop', '-n', 'shop', '--start', '+1h', '--duration', '1h'],
      ['end', 'ingress-shop-20261224-2100', '-n', 'shop'],
      ['extend', 'service-web-20261225-0100', '-n', 'shop', '--by', '10m'],
      ['page', 'list', '-n', 'shop'],
      ['history', 'ingress-shop-20261224-2100', '-n', 'shop'],
      ['calendar', '-n', 'shop'],
      ['reconcile', '-n', 'shop'],
      ['uninstall', '--dry-run'],
    ]
    for (const argv of commands) {
      it(`${argv.join(' ')}: forbidden`, async () => {
        server.faults.deny('*', '*')
        const result = await cli(...argv)
        expect(result.exitCode, result.stderr).to.equal(1)
        expect(result.stderr).to.match(/^error: [^\n]+ is forbidden: User "[^"]+" cannot \w+ resource [^\n]+ \(Forbidden\)\n$/)
      })
    }

    it('a pass with several failures: one error: line each, after the summary', async () => {
      server.seed(
        ingress('pass', 'default'),
        windowConfigMap({end: '2026-12-24T21:00:00Z', name: 'pass-now', namespace: 'default', start: '2026-12-24T19:30:00Z', targets: 'ingress/pass'}),
      )
      server.faults.deny('create', 'configmaps', 'default')
      server.faults.deny('patch', 'configmaps', 'default')
      const result = await cli('reconcile', '-n', 'default')
      expect(result.exitCode).to.equal(1)
      const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '))
      expect(errors[0], result.stderr).to.match(/^error: the pass finished with \d+ failure\(s\)$/)
      expect(errors.length).to.equal(Number(/with (\d+) failure/.exec(errors[0])?.[1]) + 1)
      for (const line of errors.slice(1)) expect(line).to.match(/\(Forbidden\)$/)
      expect(result.stderr).to.not.match(/^ /m)
    })
  })

  describe('the default list table (issue 14 item 11)', () => {
    it('shows seconds when a time is not on the whole minute, one zone per column named in the header, within 100 columns', async () => {
      server.seed(windowConfigMap({end: '2026-12-28T21:00:20Z', name: 'ingress-shop-20261228-2200', namespace: 'web', phase: 'Scheduled', start: '2026-12-28T21:00:00Z', targets: 'ingress/shop', timezone: 'Europe/Berlin'}))
      const result = await cli('list', '-n', 'web', '--request-timeout', '10s')
      const lines = result.stdout.trimEnd().split('\n')
      // Two zones in the namespace: every time in the machine's zone (TZ), which the header names.
      expect(lines[0]).to.match(/^NAME {2,}TARGETS {2,}START \(\w+\) {2,}END \(\w+\) {2,}PHASE {2,}PAGE$/)
      const berlin = await runCommand(['list', '-n', 'web'], {env: {...envFor(server), TZ: 'Europe/Berlin'}})
      expect(berlin.stdout).to.include('START (CET)')
      expect(berlin.stdout).to.match(/\ningress-shop-20261228-2200 +ingress\/shop +2026-12-28 22:00 +22:00:20 +Scheduled /)
      expect(berlin.stdout).to.match(/\ningress-front-20261225-0600 +ingress\/front +2026-12-25 12:00 +13:00 +Scheduled /)
      for (const line of berlin.stdout.trimEnd().split('\n')) expect(line.length, line).to.be.at.most(100)
    })
  })
})

import {expect} from 'chai'

import {runCommand} from '../support/run-command.js'
import {PREFIX} from '../reliability/support.js'
import {ATTACKER, VICTIM, windowIn, useTenancy} from './support.js'

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/

describe('security: control characters from the cluster reach the terminal escaped', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

  async function run(...argv: string[]) {
    const result = await runCommand([...argv, '--kubeconfig', tenancy().server.kubeconfigPath])
    return {...result, all: `${result.stdout}\n${result.stderr}`}
  }

  const inputs: Array<{what: string; text: string; visible: string}> = [
    // 7-bit: clear the screen, move home, set the window title (OSC ... BEL), then lie.
    {text: '\u001b[2J\u001b[H\u001b]0;root@prod\u0007all systems normal', visible: '\\u001b[2J\\u001b[H\\u001b]0;root@prod\\u0007all systems normal', what: 'ESC sequences (CSI, OSC with BEL)'},
    // 8-bit: C1 CSI and OSC, which terminals honouring C1 obey without any ESC, plus a carriage return and backspaces.
    {text: 'ok\u009b2J\u009d8;;https://evil.example\u009cclick\rfine\b\b\b\u007f', visible: 'ok\\u009b2J\\u009d8;;https://evil.example\\u009cclick\\u000dfine\\u0008\\u0008\\u0008\\u007f', what: 'C1 controls, CR, BS and DEL'},
  ]

  for (const input of inputs) {
    describe(input.what, () => {
      it('in a window message and phase message: list -A -o wide and list -o yaml/json show them escaped', async () => {
        const window = windowIn(ATTACKER, 'evil', ['ingress/shop'], tenancy().t0 + 3_600_000, tenancy().t0 + 7_200_000, input.text)
        window.metadata.annotations![`${PREFIX}phase-message`] = input.text
        tenancy().server.seed(window)
        const wide = await run('list', '-A', '-o', 'wide')
        expect(wide.exitCode, wide.stderr).to.equal(0)
        expect(wide.all).to.not.match(RAW_CONTROL)
        expect(wide.stdout).to.include(input.visible.slice(0, 30))
        for (const format of ['yaml', 'json']) {
          const data = await run('list', '-n', ATTACKER, '-o', format)
          expect(data.all, format).to.not.match(RAW_CONTROL)
        }
        // Lossless: the JSON still decodes to the very text stored.
        const json = JSON.parse((await run('list', '-n', ATTACKER, '-o', 'json')).stdout) as {items: Array<{data: {message: string}}>}
        expect(json.items[0].data.message).to.equal(input.text)
      })

      it('in a target annotation: status -A shows it escaped', async () => {
        tenancy().server.seed({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: {annotations: {[`${PREFIX}backend`]: input.text, [`${PREFIX}original`]: '{}', [`${PREFIX}window`]: input.text}, labels: {[`${PREFIX}active`]: 'true'}, name: 'trap', namespace: ATTACKER},
          spec: {defaultBackend: {service: {name: 'web', port: {number: 80}}}},
        })
        const status = await run('status', '-A', '-o', 'wide')
        expect(status.all).to.not.match(RAW_CONTROL)
        expect(status.all).to.include(input.visible.slice(0, 20))
      })

      it('in warnings and errors: a window whose annotations echo the text fails, and reconcile reports it escaped', async () => {
        const window = windowIn(ATTACKER, 'evil', ['ingress/shop'], tenancy().t0 - 60_000, tenancy().t0 + 3_600_000)
        window.metadata.annotations![`${PREFIX}timezone`] = input.text
        window.metadata.annotations![`${PREFIX}page`] = input.text
        tenancy().server.seed(window)
        const reconcile = await run('reconcile', '-A')
        expect(reconcile.all).to.not.match(RAW_CONTROL)
        const list = await run('list', '-n', ATTACKER, '-o', 'wide')
        expect(list.all).to.not.match(RAW_CONTROL)
        const end = await run('end', 'evil', '-n', ATTACKER)
        expect(end.all).to.not.match(RAW_CONTROL)
        expect(`${reconcile.all}${list.all}${end.all}`).to.include('\\u00')
        expect(tenancy().phase(VICTIM, 'db-upgrade')).to.not.equal('Failed')
      })
    })
  }
})

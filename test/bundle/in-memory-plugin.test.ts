import {type Command, Config, type Interfaces, run} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {expect} from 'chai'

import {commandFiles, commandManifest, packageInfo, readPackageJson} from '../../scripts/build-bundle.js'
import {type CommandLoader, InMemoryPlugin} from '../../src/bundle/in-memory-plugin.js'
import {PROJECT_ROOT} from '../support/run-command.js'

describe('InMemoryPlugin (the command table of the bundle and the executable)', function () {
  this.timeout(60_000)
  let manifest: Interfaces.Manifest
  const classes = new Map<string, Command.Class>()

  before(async () => {
    manifest = await commandManifest()
    for (const {file, id} of commandFiles()) classes.set(id, ((await import(file)) as {default: Command.Class}).default)
  })

  /** oclif over the plugin, with loaders that record which command modules were asked for. */
  async function cli(argv: string[]) {
    const loaded: string[] = []
    const loaders: Record<string, CommandLoader> = Object.fromEntries(
      [...classes].map(([id, command]) => [id, () => (loaded.push(id), command)]),
    )
    const plugin = new InMemoryPlugin(packageInfo(), PROJECT_ROOT, manifest, loaders)
    const config = await Config.load({pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]), root: PROJECT_ROOT})
    const result = await captureOutput(async () => run(argv, config))
    return {...result, loaded}
  }

  it('is built by oclif from src/commands: every command file, no file paths, the package version', () => {
    expect(Object.keys(manifest.commands).sort()).to.deep.equal(commandFiles().map(({id}) => id).sort())
    expect(manifest.version).to.equal(readPackageJson().version)
    for (const cached of Object.values(manifest.commands)) expect(cached).to.not.have.any.keys('relativePath', 'isESM')
    expect(manifest.commands.list.flags).to.have.property('all-namespaces')
  })

  it('prints the root help from the manifest without loading a single command', async () => {
    const {error, loaded, stdout} = await cli(['--help'])
    expect(error).to.equal(undefined)
    expect(stdout).to.include('$ kubectl maintenance [COMMAND]')
    for (const id of ['cancel', 'install', 'list', 'reconcile', 'schedule']) expect(stdout).to.match(new RegExp(`^  ${id} `, 'm'))
    // Topics share one column: its width follows the longest topic name.
    expect(stdout).to.match(/^ {2}page +Manage custom maintenance pages\./m)
    expect(stdout).to.match(/^ {2}gitops +Work alongside Argo CD and Flux\./m)
    expect(loaded).to.deep.equal([])
  })

  it('prints a command help, flags included, without loading it', async () => {
    const {loaded, stdout} = await cli(['page', 'create', '--help'])
    expect(stdout).to.include('$ kubectl maintenance page create')
    expect(loaded).to.deep.equal([])
  })

  it('loads exactly the command that runs, also when it is called by its alias', async () => {
    const preview = await cli(['preview', '--format', 'json', '--reason', 'disk swap'])
    expect(JSON.parse(preview.stdout)).to.include({reason: 'disk swap'})
    expect(preview.loaded).to.deep.equal(['preview'])

    const alias = await cli(['ls', '-o', 'bogus'])
    // The command ran: it printed its own error (error: unable to match a printer ...) and exited 2.
    expect(alias.error?.message).to.equal('EEXIT: 2')
    expect(alias.loaded).to.deep.equal(['list'])
  })

  it('answers an unknown command as oclif does, without loading any', async () => {
    const {error, loaded} = await cli(['nosuch'])
    expect(error?.message).to.include('command nosuch not found')
    expect(loaded).to.deep.equal([])
  })

  it('finds nothing for an id it has no loader for, and fails when the command is required', async () => {
    const plugin = new InMemoryPlugin(packageInfo(), PROJECT_ROOT, manifest, {})
    expect(await plugin.findCommand('list')).to.equal(undefined)
    let failure: Error | undefined
    await plugin.findCommand('list', {must: true}).catch((error: Error) => (failure = error))
    expect(failure?.message).to.equal('command list not found')
  })
})

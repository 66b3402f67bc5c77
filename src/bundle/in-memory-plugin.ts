/**
 * An oclif plugin whose manifest and command classes are in memory, for the single-file bundle and the executable.
 *
 * oclif's own Plugin reads the manifest from a file next to the code and, without one, imports every command to
 * build it; a single file has no such neighbour, and importing every command (with handlebars, luxon, yaml and the
 * Kubernetes code behind them) is most of a start-up. Here the manifest is built into the file (scripts/build-bundle.ts
 * makes it with oclif from src/commands) and each command class is imported only when oclif runs or loads it.
 */
import type {Command, Interfaces} from '@oclif/core'

/** Imports one command's module (lazily: the bundle wraps each command file so nothing runs before this call). */
export type CommandLoader = () => Command.Class

export interface BundledPackage {
  name: string
  version: string
  description?: string
  oclif: Interfaces.PJSON['oclif']
}

export class InMemoryPlugin implements Interfaces.Plugin {
  readonly _base: string
  readonly alias: string
  readonly commandIDs: string[]
  readonly commands: Command.Loadable[]
  readonly commandsDir = undefined
  readonly hasManifest = true
  readonly hooks = {}
  readonly isRoot = true
  readonly moduleType = 'module' as const
  readonly name: string
  readonly options: Interfaces.Options
  readonly pjson: Interfaces.PJSON
  readonly type = 'core'
  readonly valid = true
  readonly version: string

  constructor(
    pkg: BundledPackage,
    readonly root: string,
    manifest: Interfaces.Manifest,
    private readonly loaders: Record<string, CommandLoader>,
  ) {
    this.name = pkg.name
    this.alias = pkg.name
    this.version = pkg.version
    this._base = `${pkg.name}@${pkg.version}`
    this.pjson = {...pkg, oclif: {...pkg.oclif, commands: undefined}} as Interfaces.PJSON
    this.options = {isRoot: true, pjson: this.pjson, root}
    this.commandIDs = Object.keys(manifest.commands)
    // In the manifest's order, which scripts/build-bundle.ts sorts as oclif's Plugin does (localeCompare): sorting
    // again here would start ICU's collator on every start.
    this.commands = Object.entries(manifest.commands).map(([id, cached]) => ({...cached, load: async () => this.findCommand(id, {must: true}), pluginAlias: this.alias, pluginType: this.type}))
  }

  get topics(): Interfaces.Topic[] {
    return Object.entries(this.pjson.oclif.topics ?? {}).map(([name, topic]) => ({...topic, name}))
  }

  async load(): Promise<void> {}

  findCommand(id: string, opts: {must: true}): Promise<Command.Class>
  findCommand(id: string, opts?: {must: boolean}): Promise<Command.Class | undefined>
  async findCommand(id: string, opts: {must?: boolean} = {}): Promise<Command.Class | undefined> {
    const loader = Object.hasOwn(this.loaders, id) ? this.loaders[id] : undefined
    if (!loader) {
      if (opts.must) throw new Error(`command ${id} not found`)
      return undefined
    }
    const command = loader()
    command.id = id
    command.plugin = this
    return command
  }
}

import {expect} from 'chai'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'

const SRC = path.resolve(import.meta.dirname, '../src')

/** The folders of the pure core (ARCHITECTURE.md): they decide, so they never reach the I/O shell or the CLI. */
const PURE = ['model', 'engine', 'render']
const SHELL_AND_CLI = ['kube', 'install', 'cli', 'commands', 'bundle']

function sources(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
}

/** The top folder under src/ of a file (`engine` for src/engine/kinds/ingress.ts). */
function folderOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]
}

/** Every `from '...'` and `import('...')` of a relative module, as arrows between src/ folders, with where they are. */
function importGraph(): Map<string, Set<string>> {
  const arrows = new Map<string, Set<string>>()
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(path.resolve(path.dirname(file), match[1]))
      const from = folderOf(file)
      if (to === from) continue
      const arrow = `${from} -> ${to}`
      if (!arrows.has(arrow)) arrows.set(arrow, new Set())
      arrows.get(arrow)!.add(path.relative(SRC, file))
    }
  }
  return arrows
}

describe('structure: the import graph between src/ folders', () => {
  const graph = importGraph()

  it('has arrows at all (the graph is read from the sources)', () => {
    expect([...graph.keys()]).to.include.members(['commands -> kube', 'engine -> model', 'kube -> engine'])
  })

  it('has no arrow from the pure core (model, engine, render) into the I/O shell or the CLI', () => {
    const leaks = [...graph.entries()]
      .filter(([arrow]) => {
        const [from, to] = arrow.split(' -> ')
        return PURE.includes(from) && SHELL_AND_CLI.includes(to)
      })
      .map(([arrow, files]) => `${arrow} (${[...files].sort().join(', ')})`)
    expect(leaks).to.deep.equal([])
  })

  it('has model at the bottom: it imports nothing else of src/', () => {
    expect([...graph.keys()].filter((arrow) => arrow.startsWith('model -> '))).to.deep.equal([])
  })
})

describe('structure: thin commands (issue 18)', () => {
  it('has no command file over 100 lines: decisions live in engine/, flags and input reading in cli/', () => {
    const long = sources(path.join(SRC, 'commands'))
      .map((file) => ({file: path.relative(SRC, file), lines: readFileSync(file, 'utf8').trimEnd().split('\n').length}))
      .filter(({lines}) => lines > 100)
    expect(long).to.deep.equal([])
  })
})

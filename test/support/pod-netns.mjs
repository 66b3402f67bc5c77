// Runs inside a fresh network namespace (`unshare --net`), standing in for a pod's: the backend's real ports (8080,
// 8100, ...) are free there whatever else runs on the machine, a DNS server answers on 127.0.0.1:53 like cluster DNS,
// and original Services listen on 127.0.0.1 at their Service port. Plain JavaScript so it starts without a loader.
// Input (argv[2], a JSON file): {shell, uid, gid, dns: {name: ipv4}, upstreams: [port], requests: [{port, method, path, headers}]}.
// Output (stdout, one JSON line): {answers: [{status, headers, body}], stderr}.
import {execFileSync, spawn} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {readFileSync} from 'node:fs'
import {Buffer} from 'node:buffer'
import {createServer, request} from 'node:http'
import process from 'node:process'
import {setTimeout} from 'node:timers'

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'))
execFileSync('ip', ['link', 'set', 'lo', 'up'])

/** A DNS answer for one question: A records from `input.dns`, NOERROR without records for other types, NXDOMAIN for other names. */
function answer(query) {
  let offset = 12
  const labels = []
  while (query[offset] !== 0) {
    labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString('ascii'))
    offset += query[offset] + 1
  }
  const questionEnd = offset + 5
  const type = query.readUInt16BE(offset + 1)
  const address = input.dns[labels.join('.').toLowerCase()]
  const records = address !== undefined && type === 1 ? [address] : []
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2)
  header.writeUInt16BE(address === undefined ? 0x81_83 : 0x81_80, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(records.length, 6)
  const rows = records.map((ip) => {
    const row = Buffer.alloc(16)
    row.writeUInt16BE(0xc0_0c, 0)
    row.writeUInt16BE(1, 2)
    row.writeUInt16BE(1, 4)
    row.writeUInt32BE(5, 6)
    row.writeUInt16BE(4, 10)
    for (const [index, part] of ip.split('.').entries()) row[12 + index] = Number(part)
    return row
  })
  return Buffer.concat([header, query.subarray(12, questionEnd), ...rows])
}

const dns = createSocket('udp4')
dns.on('message', (message, peer) => dns.send(answer(message), peer.port, peer.address))
await new Promise((resolve) => dns.bind(53, '127.0.0.1', resolve))

const upstreams = await Promise.all(
  input.upstreams.map(async (port) => {
    const server = createServer((req, res) => {
      let length = 0
      req.on('data', (chunk) => (length += chunk.length))
      req.on('end', () => {
        res.writeHead(req.url.startsWith('/teapot') ? 418 : 200, {'content-type': 'text/plain', vary: 'Accept-Encoding'})
        res.end(`upstream :${port} saw ${req.method} ${req.url} body=${length}`)
      })
    })
    await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
    return server
  }),
)

let stderr = ''
const child = spawn('/bin/sh', ['-c', input.shell], {gid: input.gid, stdio: ['ignore', 'ignore', 'pipe'], uid: input.uid})
child.stderr.on('data', (chunk) => (stderr += chunk.toString()))
const exited = new Promise((resolve) => child.once('exit', resolve))

function send({port, method = 'GET', path, headers = {}, body}) {
  return new Promise((resolve, reject) => {
    const req = request({headers, host: '127.0.0.1', method, path, port}, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, status: res.statusCode}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const answers = []
try {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`)
    try {
      if ((await send({path: '/_maintenance/healthz', port: 8080})).status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('nginx did not answer /_maintenance/healthz within 10s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  for (const step of input.requests) {
    const headers = {...step.headers}
    // A cookie taken from an earlier answer's Set-Cookie, as a browser would send it back.
    if (step.cookieFrom !== undefined) headers.cookie = String(answers[step.cookieFrom].headers['set-cookie']).split(';')[0]
    answers.push(await send({...step, headers}))
  }
} catch (error) {
  answers.push({error: String(error)})
} finally {
  child.kill('SIGTERM')
  await exited
  dns.close()
  for (const server of upstreams) server.close()
}
process.stdout.write(`${JSON.stringify({answers, stderr})}\n`)

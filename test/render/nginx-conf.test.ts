import {expect} from 'chai'

import {assetContentType, type NginxOptions, renderNginxConf} from '../../src/render/nginx-conf.js'

const options: NginxOptions = {assets: [], contentRoot: '/etc/maintenance', listen: '8080', pidFile: '/tmp/nginx.pid', status: 503, tempRoot: '/tmp'}

describe('render/nginx-conf', () => {
  it('runs as any user: no user directive, pid and every temp path under the temp root, logs to stdout/stderr', () => {
    const conf = renderNginxConf(options)
    expect(conf).not.to.match(/^\s*user\s/m)
    expect(conf).to.include('pid "/tmp/nginx.pid";')
    for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(conf).to.include(`${temp}_temp_path "/tmp/${temp}";`)
    expect(conf).to.include('error_log stderr')
    expect(conf).to.include('access_log /dev/stdout;')
    expect(conf).to.include('server_tokens off;')
    expect(conf).to.include('listen 8080 default_server;')
  })

  it('sends Retry-After only when given', () => {
    expect(renderNginxConf(options)).not.to.include('Retry-After')
    expect(renderNginxConf({...options, retryAfter: 'Thu, 24 Dec 2026 22:00:00 GMT'})).to.include('add_header Retry-After "Thu, 24 Dec 2026 22:00:00 GMT" always;')
  })

  it('turns the catch-all into the page status; a 2xx status is reached through error_page', () => {
    expect(renderNginxConf({...options, status: 429})).to.include('error_page 404 405 413 429 =429 /_maintenance/internal/page.$maintenance_variant;')
    const ok = renderNginxConf({...options, status: 200})
    expect(ok).to.include('return 503;')
    expect(ok).to.include('error_page 404 405 413 503 =200 ')
  })

  it('serves each asset at its own exact location with a type by extension', () => {
    const conf = renderNginxConf({...options, assets: ['logo.png', 'data.bin']})
    expect(conf).to.include('location = /_maintenance/assets/logo.png {\n      default_type "image/png";')
    expect(conf).to.include('alias "/etc/maintenance/assets/data.bin";')
    expect(assetContentType('a.SVG')).to.equal('image/svg+xml')
    expect(assetContentType('font.woff2')).to.equal('font/woff2')
    expect(assetContentType('README')).to.equal('application/octet-stream')
  })

  it('refuses values that would change the configuration', () => {
    expect(() => renderNginxConf({...options, assets: ['x;evil']})).to.throw('asset name "x;evil" cannot be used')
    expect(() => renderNginxConf({...options, contentRoot: '/tmp/a"; root /'})).to.throw('content root')
    expect(() => renderNginxConf({...options, tempRoot: '/tmp/$host'})).to.throw('temp root')
    expect(() => renderNginxConf({...options, listen: '8080; include /etc/passwd'})).to.throw('listen address')
    expect(() => renderNginxConf({...options, retryAfter: 'soon"; add_header X 1'})).to.throw('Retry-After')
    expect(() => renderNginxConf({...options, status: 99})).to.throw('status 99 cannot be served')
  })
})

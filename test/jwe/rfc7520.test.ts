import { subtleCalls } from '../support/subtle.js'
import { compactDecrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { decodeBase64url } from '../../src/format/base64url.js'
import { readCompact } from '../../src/jwe/compact.js'
import { decryptChecked, openJwe } from '../../src/jwe/format.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { SECRET_A } from '../support/index.js'

/**
 * RFC 7520 ("Examples of Protecting Content Using JOSE"), §5 plaintext (Figure 72), with
 * the two U+2013 EN DASHes the RFC spells as \xe2\x80\x93.
 */
const PLAINTEXT =
  'You can trust us to stick with you through thick and thin\u2013to the bitter end. And you can trust us to ' +
  'keep any secret of yours\u2013closer than you keep it yourself. But you cannot trust us to let you face trouble ' +
  'alone, and go off without a word. We are your friends, Frodo.'

/** §5.6 "Direct Encryption Using AES-GCM": the key of Figure 130 and the compact output of Figure 136. */
const DIRECT = {
  jwk: { kty: 'oct', kid: '77c7e2b8-6e13-45cf-8672-617b5b45243a', use: 'enc', alg: 'A128GCM', k: 'XctOhJAkA-pD9Lh7ZgW_2A' },
  compact:
    'eyJhbGciOiJkaXIiLCJraWQiOiI3N2M3ZTJiOC02ZTEzLTQ1Y2YtODY3Mi02MTdiNWI0NTI0M2EiLCJlbmMiOiJBMTI4R0NNIn0' +
    '.' +
    '.refa467QzzKx6QAB' +
    '.JW_i_f52hww_ELQPGaYyeAB6HYGcR559l9TYnSovc23XJoBcW29rHP8yZOZG7YhLpT1bjFuvZPjQS-m0IFtVcXkZXdH_lr_FrdYt9HRU' +
    'YkshtrMmIUAyGmUnd9zMDB2n0cRDIHAzFVeJUDxkUwVAE7_YGRPdcqMyiBoCO-FBdE-Nceb4h3-FtBP-c_BIwCPTjb9o0SbdcdREEMJMyZB' +
    'H8ySWMVi1gPD9yxi-aQpGbSv_F9N4IZAxscj5g-NJsUPbjk29-s7LJAGb15wEBtXphVCgyy53CoIKLHHeJHXex45Uz9aKZSRSInZI-wjsY0y' +
    'u3cT4_aQ3i1o-tiE-F8Ios61EKgyIQ4CWao8PFMj8TTnp' +
    '.vbb32Xvllea2OtmHAdccRQ',
}

/** §5.9 "Compressed Content": A128KW + A128GCM + zip DEF, under the §5.8 key of Figure 151. */
const COMPRESSED = {
  jwk: { kty: 'oct', kid: '81b20965-8332-43d9-a468-82160ad91ac8', use: 'enc', alg: 'A128KW', k: 'GZy6sIZ6wl9NJOKB-jnmVQ' },
  compact:
    'eyJhbGciOiJBMTI4S1ciLCJraWQiOiI4MWIyMDk2NS04MzMyLTQzZDktYTQ2OC04MjE2MGFkOTFhYzgiLCJlbmMiOiJBMTI4R0NNIiwiemlwIjoiREVGIn0' +
    '.5vUT2WOtQxKWcekM_IzVQwkGgzlFDwPi' +
    '.p9pUq6XHY0jfEZIl' +
    '.HbDtOsdai1oYziSx25KEeTxmwnh8L8jKMFNc1k3zmMI6VB8hry57tDZ61jXyezSPt0fdLVfe6Jf5y5-JaCap_JQBcb5opbmT60uWGml8b' +
    'lyiMQmOn9J--XhhlYg0m-BHaqfDO5iTOWxPxFMUedx7WCy8mxgDHj0aBMG6152PsM-w5E_o2B3jDbrYBKhpYA7qi3AyijnCJ7BP9rr3U8kx' +
    'ExCpG3mK420TjOw' +
    '.VILuUwuIxaLVmh5X-T7kmA',
}

const sessionContext = { secrets: normalizeSecrets(SECRET_A), purpose: '__Host-session', epochSeconds: 3600, maxAgeLimit: 86_400, clockSkew: 30 }

describe('RFC 7520 §5.6: direct encryption using AES-GCM', () => {
  it('decodes with our reader, given its key', async () => {
    const read = readCompact(DIRECT.compact, 'A128GCM')
    expect(read).toEqual({ ok: true, header: { alg: 'dir', enc: 'A128GCM', kid: DIRECT.jwk.kid }, ciphertextLength: new TextEncoder().encode(PLAINTEXT).length })
    const key = decodeBase64url(DIRECT.jwk.k)!
    const plaintext = await decryptChecked(DIRECT.compact, async () => key, 'A128GCM')
    expect(new TextDecoder().decode(plaintext)).toBe(PLAINTEXT)
  })

  it('is refused as a session token before decrypting: sessions accept A256GCM only', async () => {
    expect(readCompact(DIRECT.compact)).toMatchObject({ ok: false, reason: 'version', detail: 'enc "A128GCM" is not accepted (only "A256GCM")' })
    const decryptions = await subtleCalls(['decrypt'], async () => {
      expect(await openJwe(sessionContext, DIRECT.compact, 1_795_000_000)).toEqual({ ok: false, reason: 'version' })
    })
    expect(decryptions).toBe(0)
  })
})

describe('RFC 7520 §5.9: compressed content', () => {
  it('is genuine: jose on its own unwraps and inflates it to the RFC plaintext', async () => {
    const { plaintext, protectedHeader } = await compactDecrypt(COMPRESSED.compact, COMPRESSED.jwk)
    expect(protectedHeader).toEqual({ alg: 'A128KW', kid: COMPRESSED.jwk.kid, enc: 'A128GCM', zip: 'DEF' })
    expect(new TextDecoder().decode(plaintext)).toBe(PLAINTEXT)
  })

  it('is refused by our reader before decrypting, for its zip member', async () => {
    for (const enc of ['A256GCM', 'A128GCM'] as const) {
      expect(readCompact(COMPRESSED.compact, enc)).toMatchObject({
        ok: false,
        reason: 'version',
        detail: 'header member "zip" is not accepted (only alg, enc and kid are)',
      })
    }
    const decryptions = await subtleCalls(['decrypt'], async () => {
      expect(await openJwe(sessionContext, COMPRESSED.compact, 1_795_000_000)).toEqual({ ok: false, reason: 'version' })
    })
    expect(decryptions).toBe(0)
  })
})

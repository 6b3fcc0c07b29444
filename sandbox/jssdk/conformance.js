// Official KSM JS SDK (@keeper-security/secrets-manager-core) against
// keeper-sandbox serving sandbox/demo-vault.json.
// usage: node conformance.js MODE STATE_DIR CONFIG_FILE [TOKEN]
// env:   KSM_JSSDK (path of the installed SDK package), SB (keeper-sandbox),
//        NODE_EXTRA_CA_CERTS (the sandbox CA)
// Exit 0 when the SDK behaves as expected for MODE, 1 otherwise.
'use strict'
const ksm = require(process.env.KSM_JSSDK || '@keeper-security/secrets-manager-core')
const { execFileSync } = require('child_process')

const errors = []
const consoleError = console.error
console.error = (...a) => { errors.push(a.join(' ')); consoleError(...a) }

function check (cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
}

async function expectError (p, re, what) {
  try {
    await p
  } catch (e) {
    check(re.test(e.constructor.name + ' ' + e.message), `${what}: got ${e.message}`)
    return
  }
  throw new Error(`${what}: no error`)
}

const LOGIN = 'ugx5tPRTMb6qaULWYa7H5A'
const FILE_REC = '0I9FLZr7Xc3RCIdcc-k7iw'
const NOT_SHARED = 'deN0l9qchpc69dlLBiqGSA'
const DASH = '-zTfZBsIUajowrj_sR32ZQ'
const SHARED_FOLDER = 'ZrSWiUJmSn6igC42d9PDhA'
const SUB_FOLDER = 'bJ9FssmUTaqa1lZpWTWbyQ'
const READ_ONLY = 'Wg0HFfTOJa69J9557saKPA'

async function readAll (opts) {
  const s = await ksm.getSecrets(opts)
  check(s.appData && s.appData.title === 'demo' && s.appData.type === 'app', 'appData')
  check(s.records.length === 10, `10 records, got ${s.records.length}`)
  const uids = s.records.map(r => r.recordUid)
  check(!uids.includes(NOT_SHARED), 'unshared record absent')
  check(uids.includes(DASH), 'dash UID record present')
  check(ksm.getValue(s, `keeper://${LOGIN}/field/password`) === 'Sandbox-Passw0rd!x9', 'password')
  const otp = ksm.getValue(s, `keeper://${LOGIN}/field/oneTimeCode`)
  check(/^\d{6}$/.test((await ksm.getTotpCode(otp)).code), 'totp')
  const sub = s.records.find(r => r.data.title === 'Ops Pager')
  check(sub.folderUid === SHARED_FOLDER && sub.innerFolderUid === SUB_FOLDER, 'sub-folder record')
  const ssh = s.records.find(r => r.data.type === 'sshKeys')
  const kp = ssh.data.fields.find(f => f.type === 'keyPair').value[0]
  check(kp.privateKey.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----'), 'ssh key')
  const legacy = s.records.find(r => r.data.title === 'Old Router')
  check(legacy.data.secret2 === 'r0uter-Legacy' && legacy.data.type === undefined, 'legacy record')
  const fr = s.records.find(r => r.recordUid === FILE_REC)
  check(fr.files.length === 1 && fr.files[0].data.name === 'service.conf', 'file meta')
  const content = Buffer.from(await ksm.downloadFile(fr.files[0])).toString()
  check(content.includes('api_token = sandbox-file-token-7f3a'), 'file content')
  const ref = fr.data.fields.find(f => f.type === 'fileRef')
  check(ref && ref.value[0] === fr.files[0].fileUid, 'fileRef field')
  return s
}

async function main () {
  const [mode, state, cfg, token] = process.argv.slice(2)
  const info = JSON.parse(execFileSync(process.env.SB, ['info', '--state', state, '--json']).toString())
  const storage = ksm.localConfigStorage(cfg)
  if (token) await ksm.initializeStorage(storage, token, info.hostname)
  const opts = { storage, serverPublicKey: info.serverPublicKey, serverPublicKeyId: info.serverPublicKeyId }

  switch (mode) {
    case 'bind': {
      await readAll(opts)
      check(!(await storage.getString('clientKey')), 'clientKey deleted after binding')
      check(!!(await storage.getString('appKey')), 'appKey stored')
      check(!!(await storage.getString('appOwnerPublicKey')), 'appOwnerPublicKey stored')
      const f = await ksm.getSecrets(opts, [LOGIN, NOT_SHARED])
      check(f.records.length === 1 && f.records[0].recordUid === LOGIN, 'requestedRecords filter')
      const folders = await ksm.getFolders(opts)
      const names = folders.map(x => `${x.folderUid}:${x.parentUid || ''}:${x.name}`).sort()
      check(names.join('|') === [`${SHARED_FOLDER}::Team Shared`, `${SUB_FOLDER}:${SHARED_FOLDER}:Ops`].sort().join('|'), 'get_folders: ' + names)
      const nr = await ksm.getNotationResults(opts, 'keeper://Team\\/Build \\[CI\\] Token/field/password')
      check(nr.length === 1 && nr[0] === 'ci-T0ken/with[brackets]', 'notation by title')
      break
    }
    case 'bound':
      await readAll(opts)
      break
    case 'reuse':
      await expectError(ksm.getSecrets(opts), /access_denied.*Unable to validate application access/, 'second bind')
      break
    case 'badsig':
      opts.queryFunction = (url, tk, p) => { p.signature[12] ^= 1; return ksm.postFunction(url, tk, p, false) }
      await expectError(ksm.getSecrets(opts), /access_denied.*Signature is invalid/, 'bad signature')
      break
    case 'tamper':
      await expectError(ksm.getSecrets(opts), /authenticate data/, 'tampered body')
      errors.length = 0
      break
    case 'version':
      await expectError(ksm.getSecrets(opts), /invalid_client_version.*was not registered/, 'client version')
      break
    case 'rotate':
      // with a custom server key the JS SDK reports the key error instead of rotating
      await expectError(ksm.getSecrets(opts), /rejected the custom server public key \(id 101\).*suggested key id 101/, 'key error')
      await readAll(opts)
      break
    case 'update': {
      // the demo application made editable, with the TOTP record's share
      // read-only (test-sandbox.sh serves such a copy of the vault)
      let s = await ksm.getSecrets(opts, [LOGIN])
      const r = s.records[0]
      r.data.fields.find(f => f.type === 'password').value = ['Updated-by-JS-1']
      await ksm.updateSecret(opts, r)
      s = await ksm.getSecrets(opts, [LOGIN])
      check(ksm.getValue(s, `keeper://${LOGIN}/field/password`) === 'Updated-by-JS-1', 'updated password read back')
      check(s.records[0].revision === r.revision + 1, `revision bumped: ${s.records[0].revision}`)
      await expectError(ksm.updateSecret(opts, r), /record_out_of_date.*fetch it again/, 'stale revision')
      const ro = (await ksm.getSecrets(opts, [READ_ONLY])).records[0]
      await expectError(ksm.updateSecret(opts, ro), /access_denied.*read-only access/, 'read-only share')
      errors.length = 0
      break
    }
    case 'throttle':
      opts.throttleSleep = async () => {}
      for (let i = 0; i < 3; i++) await ksm.getSecrets(opts)
      await expectError(ksm.getSecrets(opts), /KeeperThrottleError/, 'throttle')
      errors.length = 0
      break
    default:
      throw new Error('unknown mode ' + mode)
  }
  check(errors.length === 0, 'no console.error output: ' + errors.join('; '))
}

main().then(() => process.exit(0), e => { console.log('FAIL: ' + e.message); process.exit(1) })

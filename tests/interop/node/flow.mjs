// Drives posthog-node against phemu: capture, identify, remote and local flag evaluation,
// flush, shutdown. Prints one JSON line of what the SDK saw; the pytest side checks it
// against phemu's own state. Usage: node flow.mjs <host> <project token> <personal key>
import { PostHog } from 'posthog-node'

const [host, token, personalApiKey] = process.argv.slice(2)

const remote = new PostHog(token, { host, flushAt: 100, flushInterval: 0 })
remote.capture({ distinctId: 'node-user', event: 'signup_completed', properties: { plan: 'pro' } })
remote.identify({ distinctId: 'node-user', properties: { plan: 'pro', email: 'node@example.com' } })
await remote.flush()
const remoteEnabled = await remote.isFeatureEnabled('pro-checkout', 'node-user')
const remoteOther = await remote.isFeatureEnabled('pro-checkout', 'someone-else')
const remotePayload = await remote.getFeatureFlagPayload('pro-checkout', 'node-user')
await remote.shutdown()

const local = new PostHog(token, { host, personalApiKey, flushAt: 100, flushInterval: 0, featureFlagsPollingInterval: 600000 })
await local.reloadFeatureFlags()
const variants = {}
for (let n = 0; n < 20; n++) {
  variants[`user-${n}`] = await local.getFeatureFlag('pricing-test', `user-${n}`, { onlyEvaluateLocally: true })
}
const localPro = await local.getFeatureFlag('pro-checkout', 'x', { personProperties: { plan: 'pro' }, onlyEvaluateLocally: true })
await local.reloadFeatureFlags()
await local.shutdown()

console.log(JSON.stringify({ remoteEnabled, remoteOther, remotePayload, variants, localPro }))

import type { Config } from '@react-router/dev/config'

// The Node.js example's app, as it is: only the server around it differs.
export default { appDirectory: '../react-router/app', ssr: true } satisfies Config

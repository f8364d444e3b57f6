// The session's data type, once for the app: useSealedSession(event) returns Session<Data>.
export interface Data {
  visits: number
  note: string
}

declare module 'sealed-session/h3' {
  interface Register {
    data: Data
  }
}

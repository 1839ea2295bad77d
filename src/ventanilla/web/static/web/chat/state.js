// What more than one module of the Chat screen reads: set once by main.js when the screen starts.
// Each module keeps its own state to itself (the list its attention and row requests, the thread
// its scroll, the header whether it waits, alerts the sound) and exports functions to ask or
// change it; nothing of the screen lives on `window`.
export const state = {
  root: null, // #chat: the addresses and texts the page gives, and the hooks for browser tests
  me: 0, // the signed-in user's id
  live: null, // the socket (live.js): live.watch(id) says which conversation is open
};

// Generated from lookup.wat by packages/transforms/scripts/wasm.ts: do not edit.
/** lookup.wat assembled: 239 bytes of WebAssembly, base64. */
export const LOOKUP_WASM =
  'AGFzbQEAAAABCAFgBH9/f38AAwIBAAUDAQADBxMCBm1lbW9yeQIABmxvb2t1cAAACrwBAbkBAQN/IAAgAWohBCAAIAFBfHFq' +
  'IQUCQANAIAAgBU8NASAAKAIAIQYgAiADIAZB/wFxQQJ0aigCADYCACACIAMgBkEGdkH8B3FqKAIANgIEIAIgAyAGQQ52QfwH' +
  'cWooAgA2AgggAiADIAZBFnZB/AdxaigCADYCDCAAQQRqIQAgAkEQaiECDAALCwJAA0AgACAETw0BIAIgAyAALQAAQQJ0aigC' +
  'ADYCACAAQQFqIQAgAkEEaiECDAALCws=';

// `npm run weft -- …`: npm runs scripts in the repository's root, so a user in examples/ or in a
// project beside it would have `flows`, `--input` and `--db` read from the root. npm says where
// it was called (INIT_CWD); the command runs there, as `weft` itself would.
process.chdir(process.env.INIT_CWD ?? process.cwd());
await import('../packages/weft/bin/weft.js');

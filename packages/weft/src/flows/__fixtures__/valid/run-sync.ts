export default function runSync(): { synced: number } {
  return { synced: 3 };
}

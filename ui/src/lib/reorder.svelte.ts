// A reorder made on Ordrer, handed to Ny ordre: the draft itself is saved through the desk (so it
// survives a crash like any draft); this carries last time's prices beside today's for the panel.
import type { ReorderView } from './bindings';

export const reorderHandOver: { view: ReorderView | null } = $state({ view: null });

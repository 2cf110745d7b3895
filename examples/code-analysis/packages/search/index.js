// TODO: stemming
export const search = (q, docs) => docs.filter((d) => d.includes(q));

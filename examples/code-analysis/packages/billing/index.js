export const charge = (n) => n * 1.2;
export const refund = (n) => -n;

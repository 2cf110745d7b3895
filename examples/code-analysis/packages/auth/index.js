// TODO: rate-limit logins
export const login = () => true;
// TODO: rotate keys

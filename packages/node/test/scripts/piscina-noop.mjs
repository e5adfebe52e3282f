export default (x) => x

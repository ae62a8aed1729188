declare module "parquetjs-lite";

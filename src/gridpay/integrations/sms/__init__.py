"""SMS providers: the file and console providers of the embedded default, Aliyun and Tencent Cloud SMS."""
